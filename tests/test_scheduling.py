"""Scheduled publication: a reviewer approves an issue for a time; the
queue's worker publishes it then (or, if it was down, as soon as it runs)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues.models import Issue
from issues.publishing.scheduling import cancel_schedule, publish_if_due, schedule_issue
from issues.rendering import documents
from newsroom.models import Newsletter
from newsroom.review.workflow import PUBLISH, WITHDRAW, Status, WorkflowError, perform
from tests.factories import client_for
from tests.issue_helpers import make_issue_in_review, stored_files

T0 = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC)
# The fixtures' rows (stories submitted, the issue sent to review) are
# written the day before T0, whatever day the suite runs on.
pytestmark = pytest.mark.clock(T0 - datetime.timedelta(days=1))


def messages_of(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


def schedule_url(issue: Issue) -> str:
    return reverse("issue_desk:issue_schedule", args=[issue.pk])


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, no_startup_delay=True, queue_name="*", stdout=io.StringIO()
    )


def test_a_reviewer_schedules_an_issue_and_it_stays_in_review(
    issue: Issue, carol: User, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client_for(carol).post(
            schedule_url(issue), {"when": "2026-11-30T09:00"}, follow=True
        )
    assert messages_of(response) == [
        "Scheduled: the issue will be published 30 November 2026, 09:00 UTC. "
        "Until then subscribers see nothing of it."
    ]
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert issue.is_scheduled
    assert (issue.scheduled_for, issue.scheduled_by) == (T0 + datetime.timedelta(hours=1), carol)
    row = issue.transitions.first()
    assert (row.transition, row.from_status, row.to_status, row.by) == (
        "schedule",
        Status.REVIEW,
        Status.REVIEW,
        carol,
    )
    assert row.comment == "To be published 30 November 2026, 09:00 UTC."
    # The immediate backend ran the task at once: too early, so it did nothing.
    assert issue.published_at is None


@pytest.mark.parametrize(
    ("when", "refusal"),
    [
        ("2026-11-30T07:59", "Pick a time in the future, or publish now."),
        ("", "Give the date and time to publish at."),
        ("tomorrow", "Give the date and time to publish at."),
    ],
)
def test_scheduling_refuses_a_time_that_is_not_ahead(
    issue: Issue, carol: User, when: str, refusal: str
) -> None:
    with time_machine.travel(T0, tick=False):
        response = client_for(carol).post(schedule_url(issue), {"when": when}, follow=True)
    assert messages_of(response) == [refusal]
    issue.refresh_from_db()
    assert issue.scheduled_for is None
    assert not issue.transitions.filter(transition="schedule").exists()


def test_scheduling_renders_first_and_refuses_an_issue_that_does_not_render(
    issue: Issue, carol: User
) -> None:
    with (
        time_machine.travel(T0, tick=False),
        mock.patch.object(documents.pool, "run", side_effect=RuntimeError("font map exploded")),
    ):
        response = client_for(carol).post(
            schedule_url(issue), {"when": "2026-11-30T09:00"}, follow=True
        )
    [message] = messages_of(response)
    assert message.startswith("Not scheduled: the issue does not render.")
    # The reviewer is told in words; the raw error (which may name server
    # paths) goes only to the log.
    assert "could not be rendered" in message and "font map exploded" not in message
    issue.refresh_from_db()
    assert issue.scheduled_for is None
    assert not issue.transitions.filter(transition="schedule").exists()


def test_an_editor_cannot_schedule(issue: Issue, alice: User) -> None:
    response = client_for(alice).post(schedule_url(issue), {"when": "2030-01-01T09:00"})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.scheduled_for is None


def test_a_draft_issue_cannot_be_scheduled(
    newsletter: Newsletter, alice: User, bob: User, carol: User
) -> None:
    from tests import factories

    draft = factories.make_issue(newsletter=newsletter, created_by=alice)
    response = client_for(carol).post(
        schedule_url(draft), {"when": "2030-01-01T09:00"}, follow=True
    )
    assert messages_of(response) == ["This issue is draft; “Publish” needs it to be in review."]
    draft.refresh_from_db()
    assert draft.scheduled_for is None


def test_a_scheduled_issue_is_read_only_until_cancelled(issue: Issue, carol: User) -> None:
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=T0 + datetime.timedelta(hours=1))
        client = client_for(carol)
        sent_back = client.post(
            reverse("issue_desk:issue_request_changes", args=[issue.pk]),
            {"comment": "Too long"},
            follow=True,
        )
        published = client.post(reverse("issue_desk:issue_publish", args=[issue.pk]), follow=True)
    refusal = (
        "This issue is scheduled for 30 November 2026, 09:00 and read-only:"
        " cancel the schedule first."
    )
    assert messages_of(sent_back) == [refusal]
    assert messages_of(published) == [refusal]
    # The issue's page says it once, in its schedule box, with a badge.
    with time_machine.travel(T0, tick=False):
        page = client.get(reverse("issue_desk:issue_builder", args=[issue.pk])).content.decode()
    assert 'id="schedule-status"' in page and 'badge text-bg-info">Scheduled<' in page
    assert "cancel the schedule first" not in page
    issue.refresh_from_db()
    assert (issue.status, issue.published_at) == (Status.REVIEW, None)


def test_cancelling_a_schedule_puts_the_issue_back_in_review(
    issue: Issue, bob: User, carol: User
) -> None:
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=T0 + datetime.timedelta(hours=1))
        response = client_for(bob).post(
            reverse("issue_desk:issue_cancel_schedule", args=[issue.pk]), follow=True
        )
        again = client_for(bob).post(
            reverse("issue_desk:issue_cancel_schedule", args=[issue.pk]), follow=True
        )
    assert messages_of(response) == ["The schedule is cancelled; the issue is back in review."]
    assert messages_of(again) == ["This issue is not scheduled."]
    issue.refresh_from_db()
    assert (issue.status, issue.scheduled_for, issue.scheduled_by) == (Status.REVIEW, None, None)
    row = issue.transitions.first()
    assert (row.transition, row.by) == ("cancel_schedule", bob)
    assert row.comment == "Was to be published 30 November 2026, 09:00 UTC."
    # The task queued for that time finds nothing to do.
    with time_machine.travel(T0 + datetime.timedelta(hours=2), tick=False):
        outcome = publish_if_due(issue.pk, T0 + datetime.timedelta(hours=1))
    assert outcome == {"published": False, "message": "No longer scheduled for that time."}
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW


# The worker closes its database connection when done, so no test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_publishes_the_issue_at_its_time_and_mails_subscribers(
    issue: Issue, carol: User, dave: User, settings: Any, artifacts: Path
) -> None:
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    mail.outbox.clear()  # the stories' review mails
    when = T0 + datetime.timedelta(seconds=10)
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=when)
        run_worker()
    issue.refresh_from_db()
    assert (issue.status, stored_files(artifacts), mail.outbox) == (Status.REVIEW, [], [])

    with time_machine.travel(when + datetime.timedelta(seconds=1), tick=False):
        run_worker()
        run_worker()  # running again publishes nothing twice
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert issue.published_at == when + datetime.timedelta(seconds=1)
    assert issue.late_by is None
    publish = issue.transitions.get(transition="publish")
    assert (publish.by, publish.note) == (carol, "scheduled for 30 November 2026, 08:00 UTC")
    assert len(stored_files(artifacts)) == 2
    assert [m.to for m in mail.outbox] == [[dave.email]]


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_was_down_publishes_late_and_the_desk_says_by_how_much(
    issue: Issue, carol: User, settings: Any
) -> None:
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    when = T0 + datetime.timedelta(minutes=30)
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=when)
    with time_machine.travel(when + datetime.timedelta(hours=2), tick=False):
        run_worker()
        page = client_for(carol).get(reverse("issue_desk:issue_builder", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert issue.late_by == datetime.timedelta(hours=2)
    assert "2\xa0hours late" in page.content.decode()


def test_a_failed_scheduled_publication_is_kept_for_the_desk(issue: Issue, carol: User) -> None:
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=T0 + datetime.timedelta(minutes=5))
    with (
        time_machine.travel(T0 + datetime.timedelta(minutes=6), tick=False),
        mock.patch.object(documents.pool, "run", side_effect=RuntimeError("disk full")),
    ):
        outcome = publish_if_due(issue.pk, T0 + datetime.timedelta(minutes=5))
        page = client_for(carol).get(reverse("issue_desk:issue_builder", args=[issue.pk]))
    assert outcome["published"] is False
    issue.refresh_from_db()
    assert (issue.status, issue.is_scheduled) == (Status.REVIEW, True)
    assert "could not be rendered" in issue.schedule_error
    assert "The scheduled publication failed" in page.content.decode()
    cancel_schedule(issue=issue, by=carol)
    issue.refresh_from_db()
    assert issue.schedule_error == ""
    assert timezone.is_aware(T0)


def test_before_its_time_a_scheduled_issue_is_nowhere_a_subscriber_looks(
    newsletter: Newsletter, alice: User, bob: User, carol: User, dave: User
) -> None:
    """The embargo, URL by URL of the subscriber's side (the URL map in DESIGN.md)."""
    from issues.models import Delivery
    from newsroom.models.private_addresses import PrivateAddressKey, Purpose
    from tests.issue_helpers import publish

    out = publish(
        newsletter, editor=alice, reviewer=bob, headlines=["Lighthouse exchange opens"], number=1
    )
    secret = make_issue_in_review(
        newsletter=newsletter,
        editor=alice,
        reviewer=bob,
        headlines=["Embargoed: the island cable deal"],
        number=2,
        period_start=datetime.date(2025, 12, 1),
    )
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=secret, by=carol, when=T0 + datetime.timedelta(hours=1))
    key = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave).key
    reader = client_for(dave)
    slug = newsletter.slug

    def issue_urls(number: int) -> list[str]:
        return [
            reverse("issues:issue_detail", args=[slug, number]),
            reverse("issues:issue_pdf", args=[slug, number]),
            reverse("issues:issue_html", args=[slug, number]),
            reverse("issues:private_pdf", args=[key, slug, number]),
        ]

    for address in issue_urls(1):
        assert reader.get(address).status_code == 200, address
    for address in issue_urls(2):  # the scheduled one: guessed by number
        assert reader.get(address).status_code == 404, address
    lists = [
        reverse("issues:home"),
        reverse("issues:archive"),
        reverse("issues:archive") + "?q=island+cable",
        reverse("issues:feed", args=[slug]),
        reverse("issues:private_feed", args=[key, slug]),
    ]
    for address in lists:
        page = reader.get(address).content.decode()
        assert "island cable deal" not in page, address
        assert "Lighthouse exchange opens" in page or "q=" in address, address
    assert "no. 2" not in Client().get(reverse("issues:feed", args=[slug])).content.decode()
    assert not Delivery.objects.filter(issue=secret).exists()
    assert out.status == Status.PUBLISHED


def test_times_are_read_and_shown_in_the_publishers_time_zone(
    issue: Issue, carol: User, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Brussels"
    with time_machine.travel(T0, tick=False):
        response = client_for(carol).post(
            schedule_url(issue), {"when": "2026-11-30T10:00"}, follow=True
        )
        listing = client_for(carol).get(reverse("issue_desk:issue_list")).content.decode()
    assert messages_of(response) == [
        "Scheduled: the issue will be published 30 November 2026, 10:00 CET. "
        "Until then subscribers see nothing of it."
    ]
    issue.refresh_from_db()
    assert issue.scheduled_for == datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    assert "Scheduled Mon 30 Nov, 10:00" in listing


def test_a_story_in_a_scheduled_issue_cannot_be_withdrawn(
    issue: Issue, bob: User, carol: User
) -> None:
    story = issue.entries.get().story
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=T0 + datetime.timedelta(hours=1))
        client = client_for(carol)
        detail = client.get(reverse("desk:story_detail", args=[story.pk])).content.decode()
        response = client.post(reverse("desk:story_withdraw", args=[story.pk]), follow=True)
    refusal = (
        f"This story is in issue no. {issue.number}, scheduled for publication"
        " 30 November 2026, 09:00: a reviewer cancels that schedule first,"
        " or the issue would go out without it."
    )
    assert messages_of(response) == [refusal]
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert not story.transitions.filter(transition="withdraw").exists()
    assert "scheduled for publication 30 November 2026, 09:00" in detail
    assert "cannot be withdrawn unless a reviewer cancels that schedule" in detail
    assert reverse("desk:story_withdraw", args=[story.pk]) not in detail  # no button

    # The admin's action takes the same path and is refused alike.
    with pytest.raises(WorkflowError, match="cancels that schedule first"):
        perform(story, WITHDRAW, by=carol)

    # Once the schedule is cancelled the story may be withdrawn; publishing
    # the issue is then refused in words instead of going out without it.
    with time_machine.travel(T0, tick=False):
        cancel_schedule(issue=issue, by=bob)
        perform(story, WITHDRAW, by=carol, comment="The figures are disputed.")
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    with pytest.raises(WorkflowError, match="Every story must be approved"):
        issue.refresh_from_db()
        issue.check_transition(PUBLISH, by=carol)


def test_the_task_publishes_nothing_before_the_scheduled_instant(
    issue: Issue, carol: User, artifacts: Path
) -> None:
    """The time check itself: a task run a minute early (a worker whose
    clock or queue ran ahead) leaves the issue in review, unrendered."""
    when = T0 + datetime.timedelta(hours=1)
    with time_machine.travel(T0, tick=False):
        schedule_issue(issue=issue, by=carol, when=when)
    with time_machine.travel(when - datetime.timedelta(minutes=1), tick=False):
        early = publish_if_due(issue.pk, when)
    assert early == {
        "published": False,
        "message": "Not yet: scheduled for 30 November 2026, 09:00 UTC.",
    }
    issue.refresh_from_db()
    assert (issue.status, issue.published_at, stored_files(artifacts)) == (Status.REVIEW, None, [])
    with time_machine.travel(when, tick=False):
        on_time = publish_if_due(issue.pk, when)
    assert on_time["published"] is True
    issue.refresh_from_db()
    assert (issue.status, issue.published_at) == (Status.PUBLISHED, when)
