"""The pages whose words changed, in Chromium: an approved story, a story in
a published issue, a published issue's desk page (its record) and the
refusal a reader without access meets. axe-core: 0 serious or critical;
photographs at 1280 and 390 px into test-results/screenshots/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from newsroom.models import Newsletter
from tests import factories
from tests.e2e.test_accessibility import SCREENSHOTS, WIDTHS, blocking_violations
from tests.issue_helpers import publish

Login = Callable[[Page, str], None]


def check_page(page: Page, name: str, role: str) -> None:
    rows = blocking_violations(Axe().run(page).response, role=role, page=name)
    assert not rows, rows
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"labels-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


@pytest.mark.django_db(transaction=True)
def test_the_relabelled_pages_are_accessible(page: Page, live_server: Any, login: Login) -> None:
    ict = factories.make_newsletter()
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    factories.make_subscriber("dave", ict)
    approved = factories.make_story(
        author=alice, newsletter=ict, headline="Ferry data freed", status="published", reviewer=bob
    )
    issue = publish(ict, editor=alice, reviewer=bob, number=4)
    in_issue = issue.entries.get().story
    energy = Newsletter.objects.create(title="Energy and Mining", slug="energy")
    other = publish(energy, editor=alice, reviewer=bob, number=2, headlines=("Wind farm sold",))

    login(page, "bob")
    page.goto(f"{live_server.url}{approved.get_absolute_url()}")
    expect(page.get_by_text("read-only until withdrawn")).to_be_visible()
    expect(page.get_by_text("In review → Approved")).to_be_visible()
    check_page(page, "approved-story", "bob")

    page.goto(f"{live_server.url}{in_issue.get_absolute_url()}")
    expect(page.get_by_text("As it appeared in issue no. 4")).to_be_visible()
    check_page(page, "story-in-published-issue", "bob")

    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    expect(page.get_by_role("heading", name="Editions")).to_be_visible()
    expect(page.get_by_role("link", name="Preview PDF")).to_have_count(0)
    expect(page.get_by_role("button", name="Invite to review")).to_have_count(0)
    check_page(page, "published-issue-record", "bob")

    page.context.clear_cookies()
    login(page, "dave")
    page.goto(f"{live_server.url}{other.get_absolute_url()}")
    expect(
        page.get_by_role("heading", name="Energy and Mining is not among your subscriptions")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Ask for Energy and Mining")).to_be_visible()
    check_page(page, "no-access", "dave")
