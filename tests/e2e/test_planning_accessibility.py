"""The planning pages under axe-core, at desk width and at phone width.

The calendar (the week view, filtered by person and by newsletter, and
"what I owe" with an overdue slot), planning and editing a slot (its
refusal, its conflict page and a slot dropped meanwhile too), an issue's deadlines and its schedule
(the publish page with its schedule form, a scheduled issue's page) are
visited as the editor or reviewer who uses them. axe-core runs on each; a
serious or critical violation fails the test, printed as a table. Each is
photographed at 1280 and 375 px wide into test-results/screenshots/
(plan-*.png), and at 375 px none may scroll sideways; there the calendar
is a list of days, not a squeezed table.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from issues.models import Issue
from issues.publishing.scheduling import schedule_issue
from newsroom.models.planning import Assignment
from tests import factories
from tests.e2e.test_accessibility import SCREENSHOTS, blocking_violations, table
from tests.issue_helpers import make_issue_in_review

PHONE, DESK = 375, 1280


def arrange_week() -> dict[str, Any]:
    """A planned week: slots for two editors (one overdue, one written), an
    issue in progress with deadlines, one in review and one scheduled."""
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    erin = factories.make_editor("erin")
    bob = factories.make_reviewer("bob")
    carol = factories.make_reviewer("carol")
    now = timezone.now().replace(second=0, microsecond=0)
    overdue = Assignment.objects.create(
        headline="Harbour cable lands in Port Avel",
        newsletter=ict,
        assignee=alice,
        due_at=now - datetime.timedelta(hours=3),
        created_by=erin,
        note="Ask the harbour master about the second cable.",
    )
    ferry = Assignment.objects.create(
        headline="Ferry line gets electric boats",
        newsletter=ict,
        assignee=erin,
        due_at=now + datetime.timedelta(days=1),
        created_by=alice,
    )
    written = Assignment.objects.create(
        headline="Lighthouse keepers go digital",
        newsletter=ict,
        assignee=alice,
        due_at=now + datetime.timedelta(days=2),
        created_by=erin,
    )
    written.write(by=alice)
    in_review = make_issue_in_review(newsletter=ict, editor=alice, reviewer=bob, count=2, number=1)
    Issue.objects.filter(pk=in_review.pk).update(
        review_deadline=now - datetime.timedelta(hours=1),
        planned_publication_at=now + datetime.timedelta(days=1),
    )
    scheduled = make_issue_in_review(
        newsletter=ict,
        editor=alice,
        reviewer=bob,
        count=1,
        number=2,
        period_start=datetime.date(2025, 12, 1),
    )
    schedule_issue(issue=scheduled, by=carol, when=now + datetime.timedelta(days=2))
    draft = factories.make_issue(
        newsletter=ict, created_by=alice, number=3, period_start=datetime.date(2025, 12, 8)
    )
    week = timezone.localdate().isoformat()
    return {
        "alice": [
            ("calendar", "/desk/calendar/"),
            ("calendar-person", f"/desk/calendar/?person={erin.pk}"),
            ("calendar-newsletter", f"/desk/calendar/?newsletter={ict.pk}&week={week}"),
            ("assignment-new", "/desk/assignments/new/"),
            ("assignment-edit", f"/desk/assignments/{overdue.pk}/edit/"),
            ("issue-new", "/desk/issues/new/"),
            ("issue-deadlines", f"/desk/issues/{draft.pk}/deadlines/"),
        ],
        "carol": [
            ("calendar-reviewer", "/desk/calendar/"),
            ("issue-publish", f"/desk/issues/{in_review.pk}/publish/"),
            ("issue-scheduled", f"/desk/issues/{scheduled.pk}/"),
        ],
        "overdue": overdue,
        "ferry": ferry,
        "draft": draft,
    }


def look(page: Page, axe: Axe, name: str) -> list[dict]:
    """axe-core's blocking findings on the page as it is now; photographs at
    both widths; at phone width the page must not scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for width in (DESK, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        results = axe.run(page).response
        assert results["passes"], f"axe-core checked nothing on {name}"
        rows += blocking_violations(results, role=width, page=name)
        page.screenshot(path=SCREENSHOTS / f"plan-{name}-{width}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE, f"{name} scrolls sideways at {PHONE} px ({overflow} px wide)"
    page.set_viewport_size({"width": DESK, "height": 900})
    return rows


@pytest.mark.django_db(transaction=True)
def test_the_planning_pages_pass_axe_and_read_on_a_phone(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    plan = arrange_week()
    axe, rows = Axe(), []
    for role in ("alice", "carol"):
        page.context.clear_cookies()
        login(page, role)
        for name, path in plan[role]:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, f"{path}: {response}"
            rows += look(page, axe, name)

    # The calendar on a phone: a list of days with something on them, no
    # table grid (no column headers, no empty days), the overdue slot first.
    page.goto(f"{live_server.url}/desk/calendar/")
    page.set_viewport_size({"width": PHONE, "height": 900})
    calendar = page.locator(".planning-calendar")
    expect(calendar.locator("thead")).to_be_hidden()
    expect(calendar.locator(".calendar-empty-day").first).to_be_hidden()
    days = calendar.locator("td:not(.calendar-empty-day)")
    assert days.count() >= 3
    for i in range(days.count()):
        box = days.nth(i).bounding_box()
        assert box is not None and box["width"] > PHONE * 0.8, "a day is not a full-width row"
    expect(days.first.locator(".calendar-day-label")).to_be_visible()
    page.set_viewport_size({"width": DESK, "height": 900})

    # A refused slot, and the conflict page of a slot saved meanwhile.
    page.context.clear_cookies()
    login(page, "alice")
    page.goto(f"{live_server.url}/desk/assignments/new/")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    rows += look(page, axe, "assignment-refused")

    overdue = plan["overdue"]
    page.goto(f"{live_server.url}/desk/assignments/{overdue.pk}/edit/")
    Assignment.objects.filter(pk=overdue.pk).update(
        headline="Harbour cable lands, second cable next year", version=2
    )
    page.get_by_label("Working headline").fill("Harbour cable lands: what it costs")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Someone saved this slot")).to_be_visible()
    rows += look(page, axe, "assignment-conflict")

    # A slot dropped while it is edited: what was typed comes back to plan anew.
    ferry = plan["ferry"]
    page.goto(f"{live_server.url}/desk/assignments/{ferry.pk}/edit/")
    Assignment.objects.filter(pk=ferry.pk).delete()
    page.get_by_label("Working headline").fill("Ferry line: electric boats from March")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("This slot was dropped")
    rows += look(page, axe, "assignment-dropped")
    page.get_by_role("button", name="Assign").click()
    planned = "Planned “Ferry line: electric boats from March” for erin."
    expect(page.get_by_text(planned)).to_be_visible()

    page.goto(f"{live_server.url}/desk/issues/{plan['draft'].pk}/deadlines/")
    page.get_by_label("Copy deadline").fill("2030-01-10T12:00")
    page.get_by_label("Review deadline").fill("2030-01-09T12:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Copy is due before the review deadline.")).to_be_visible()
    rows += look(page, axe, "issue-deadlines-refused")

    assert not rows, "serious or critical axe-core violations:\n" + table(rows)
