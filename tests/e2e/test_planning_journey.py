"""A planned story from its slot to a scheduled issue, in a real Chromium.

Alice assigns a story to Erin with a due time; Erin writes it from the slot;
the calendar shows it; Bob approves it; Carol schedules the issue ten
seconds ahead; Dave's archive does not show it until the queue's worker has
published it, and then its PDF downloads.
"""

from __future__ import annotations

import datetime
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from issues.models import Issue
from newsroom import roles
from newsroom.models import Story
from newsroom.review.workflow import SUBMIT, Status, perform
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_slot_is_assigned_written_approved_scheduled_and_published_by_the_worker(
    page: Page,
    live_server: Any,
    login: Callable[[Page, str], None],
    artifacts: Path,
    settings: Any,
) -> None:
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    newsletter = factories.make_newsletter()
    alice = factories.make_user("alice", roles.EDITORS)
    factories.make_user("erin", roles.EDITORS)
    factories.make_user("bob", roles.REVIEWERS)
    factories.make_user("carol", roles.REVIEWERS)
    factories.make_subscriber("dave", newsletter)
    factories.make_source("Harbour Tribune")
    due = timezone.localtime() + datetime.timedelta(days=1)

    login(page, "alice")
    page.goto(f"{live_server.url}/desk/calendar/")
    page.get_by_role("link", name="Plan a story").click()
    page.get_by_label("Working headline").fill("Harbour cable lands in Port Avel")
    page.get_by_label("Writer").select_option(label="erin")
    page.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Planned “Harbour cable lands in Port Avel” for erin.")).to_be_visible()

    page.context.clear_cookies()
    login(page, "erin")
    page.goto(f"{live_server.url}/desk/")
    mine = page.get_by_role("region", name="Assigned to me")
    expect(mine).to_contain_text(f"Due {due:%a %-d %b, %H:%M}")
    mine.get_by_role("button", name="Write “Harbour cable lands in Port Avel”").click()
    expect(page.get_by_text("Your draft is started from the slot")).to_be_visible()
    page.locator(".ProseMirror").click()
    page.keyboard.type("The new cable doubles the island's bandwidth from Monday.")
    page.get_by_label("Source", exact=True).fill("Harbour Tribune")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()

    page.goto(f"{live_server.url}/desk/calendar/")
    slot = page.locator(".planning-calendar .calendar-assignment")
    expect(slot).to_contain_text("Harbour cable lands in Port Avel")
    expect(slot).to_contain_text("In review")
    page.screenshot(path=str(artifacts.parent / "calendar.png"), full_page=True)

    page.context.clear_cookies()
    login(page, "bob")
    story = Story.objects.get()
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/review/")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the story is ready for an issue.")).to_be_visible()

    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story], number=1)
    perform(issue, SUBMIT, by=alice)
    page.context.clear_cookies()
    login(page, "carol")
    page.goto(f"{live_server.url}/desk/issues/{issue.pk}/")
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("heading", name=f"Publish {newsletter.title} no. 1?")).to_be_visible()
    when = (timezone.localtime() + datetime.timedelta(seconds=10)).replace(microsecond=0)
    page.get_by_label("Or schedule for a time").fill(when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("#schedule-status")).to_contain_text("Scheduled for")
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for) == (Status.REVIEW, when)

    page.context.clear_cookies()
    login(page, "dave")
    page.goto(f"{live_server.url}/issues/")
    expect(page.get_by_text("Harbour cable lands in Port Avel")).to_have_count(0)

    time.sleep(max(0.0, (when - timezone.now()).total_seconds()) + 0.5)
    call_command(
        "db_worker", batch=True, no_startup_delay=True, queue_name="*", stdout=io.StringIO()
    )
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert issue.transitions.filter(transition="publish", by__username="carol").exists()

    page.goto(f"{live_server.url}/issues/")
    expect(page.get_by_text("Harbour cable lands in Port Avel").first).to_be_visible()
    pdf = page.request.get(f"{live_server.url}/issues/{newsletter.slug}/1.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert Issue.objects.get().late_by is None
