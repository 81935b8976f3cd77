"""Reminders: each slipped deadline is told once, by a desk notice and a mail,
and a mail that fails is tried again at the next check."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from newsroom.models import Newsletter
from newsroom.models.planning import Assignment, DeskNotice, DeskSettings
from newsroom.planning.reminders import check_deadlines
from tests import factories

DUE = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def slot(newsletter: Newsletter, erin: User) -> Assignment:
    """A slot Erin planned for herself."""
    return Assignment.objects.create(
        headline="Harbour cable lands",
        newsletter=newsletter,
        assignee=erin,
        due_at=DUE,
        created_by=erin,
    )


def test_a_missed_deadline_is_told_to_the_planner_too(
    newsletter: Newsletter, alice: User, erin: User
) -> None:
    Assignment.objects.create(
        headline="Harbour cable lands",
        newsletter=newsletter,
        assignee=erin,
        due_at=DUE,
        created_by=alice,
    )
    mail.outbox.clear()
    outcome = check_at(DUE + datetime.timedelta(minutes=5))
    assert (outcome["announced"], outcome["mailed"]) == (2, 2)
    told = {n.user.username: n.message for n in DeskNotice.objects.all()}
    assert told == {
        "erin": "“Harbour cable lands” was due 25 November, 09:00 and is not in review yet.",
        "alice": "“Harbour cable lands”, which you planned for erin, was due 25 November,"
        " 09:00 and is not in review yet.",
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, erin.email])
    assert check_at(DUE + datetime.timedelta(minutes=10))["announced"] == 0


def test_a_deadline_subject_is_cut_between_words(newsletter: Newsletter, erin: User) -> None:
    Assignment.objects.create(
        headline="Harbour cable lands in Port Avel after a decade of delays",
        newsletter=newsletter,
        assignee=erin,
        due_at=DUE,
        created_by=erin,
    )
    mail.outbox.clear()
    check_at(DUE + datetime.timedelta(minutes=5))
    subject = mail.outbox[0].subject
    assert len(subject) <= 80
    assert subject == (
        "Deadline: “Harbour cable lands in Port Avel after a decade of delays” was due…"
    )


def check_at(when: datetime.datetime) -> dict[str, int]:
    with time_machine.travel(when, tick=False):
        return check_deadlines.call()  # type: ignore[return-value]


def test_a_story_past_due_is_announced_once(slot: Assignment, erin: User) -> None:
    mail.outbox.clear()
    assert check_at(DUE - datetime.timedelta(minutes=1))["announced"] == 0
    first = check_at(DUE + datetime.timedelta(minutes=5))
    again = check_at(DUE + datetime.timedelta(minutes=10))
    assert (first["announced"], first["mailed"]) == (1, 1)
    assert (again["announced"], again["mailed"]) == (0, 0)
    notice = DeskNotice.objects.get()
    assert notice.user == erin
    assert (
        notice.message
        == "“Harbour cable lands” was due 25 November, 09:00 and is not in review yet."
    )
    assert [m.to for m in mail.outbox] == [[erin.email]]
    page = Client()
    page.force_login(erin)
    assert notice.message in page.get(reverse("desk:dashboard")).content.decode()


def test_a_moved_deadline_that_slips_again_is_a_new_lapse(slot: Assignment) -> None:
    check_at(DUE + datetime.timedelta(minutes=5))
    slot.due_at = DUE + datetime.timedelta(days=1)
    slot.save()
    check_at(DUE + datetime.timedelta(days=1, minutes=5))
    assert DeskNotice.objects.count() == 2


def test_a_failed_mail_is_retried_at_the_next_check(slot: Assignment, erin: User) -> None:
    mail.outbox.clear()
    with mock.patch(
        "newsroom.planning.reminders.EmailMessage.send", side_effect=OSError("mail server down")
    ):
        outcome = check_at(DUE + datetime.timedelta(minutes=5))
    notice = DeskNotice.objects.get()
    assert (outcome["mailed"], notice.mailed_at, notice.mail_attempts) == (0, None, 1)
    assert notice.mail_error == "OSError: mail server down"
    retried = check_at(DUE + datetime.timedelta(minutes=10))
    notice.refresh_from_db()
    assert (retried["announced"], retried["mailed"], notice.mail_attempts) == (0, 1, 2)
    assert notice.mail_error == ""
    assert [m.to for m in mail.outbox] == [[erin.email]]


def test_an_issue_past_its_review_deadline_is_told_to_each_reviewer_once(
    newsletter: Newsletter, alice: User, bob: User, carol: User
) -> None:
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, number=4)
    Issue.objects.filter(pk=issue.pk).update(review_deadline=DUE)
    check_at(DUE + datetime.timedelta(minutes=5))
    check_at(DUE + datetime.timedelta(minutes=10))
    assert sorted(n.user.username for n in DeskNotice.objects.all()) == ["bob", "carol"]


def test_a_dismissed_notice_leaves_the_desk(slot: Assignment, erin: User, alice: User) -> None:
    check_at(DUE + datetime.timedelta(minutes=5))
    notice = DeskNotice.objects.get()
    other = Client()
    other.force_login(alice)
    assert other.post(reverse("desk:dismiss_notice", args=[notice.pk])).status_code == 404
    client = Client()
    client.force_login(erin)
    client.post(reverse("desk:dismiss_notice", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.dismissed_at is not None
    assert notice.message not in client.get(reverse("desk:dashboard")).content.decode()


def test_the_daily_digest_goes_once_a_morning_to_who_asked(slot: Assignment, erin: User) -> None:
    DeskSettings.objects.create(user=erin, daily_digest=True)
    mail.outbox.clear()
    check_at(DUE - datetime.timedelta(hours=3))  # 06:00: too early
    check_at(DUE - datetime.timedelta(hours=1))
    check_at(DUE - datetime.timedelta(minutes=30))
    digests = [m for m in mail.outbox if m.subject.startswith("Due today")]
    assert len(digests) == 1
    assert "Harbour cable lands" in digests[0].body


def test_an_editor_asks_for_the_digest_on_the_account_page(erin: User, dave: User) -> None:
    client = Client()
    client.force_login(erin)
    assert "Daily digest" in client.get(reverse("issues:account")).content.decode()
    client.post(reverse("issues:digest"), {"daily_digest": "on", "digest_hour": "7"})
    assert DeskSettings.objects.get(user=erin).daily_digest is True
    client.post(reverse("issues:digest"), {"digest_hour": "7"})
    assert DeskSettings.objects.get(user=erin).daily_digest is False
    reader = Client()
    reader.force_login(dave)
    refused = reader.post(reverse("issues:digest"), {"daily_digest": "on", "digest_hour": "7"})
    assert refused.status_code == 403
    assert not DeskSettings.objects.filter(user=dave).exists()


def test_each_editor_gets_the_digest_at_the_hour_they_chose_in_the_publishers_time(
    slot: Assignment, newsletter: Newsletter, alice: User, erin: User, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Brussels"  # the slot is due at 10:00 there
    Assignment.objects.create(
        headline="Ferry strike ends",
        newsletter=newsletter,
        assignee=alice,
        due_at=DUE + datetime.timedelta(hours=2),
        created_by=erin,
    )
    DeskSettings.objects.create(user=alice, daily_digest=True)  # 07:00 unless chosen
    DeskSettings.objects.create(user=erin, daily_digest=True, digest_hour=9)
    mail.outbox.clear()

    def digests() -> list[list[str]]:
        return [m.to for m in mail.outbox if m.subject.startswith("Due today")]

    check_at(DUE - datetime.timedelta(hours=3, minutes=5))  # 06:55 in Brussels
    assert digests() == []
    check_at(DUE - datetime.timedelta(hours=2, minutes=55))  # 07:05
    assert digests() == [[alice.email]]
    check_at(DUE - datetime.timedelta(hours=1, minutes=5))  # 08:55
    assert digests() == [[alice.email]]
    check_at(DUE - datetime.timedelta(minutes=55))  # 09:05
    check_at(DUE - datetime.timedelta(minutes=50))
    assert digests() == [[alice.email], [erin.email]]
    assert "Harbour cable lands" in mail.outbox[-1].body


def test_an_editor_chooses_the_digest_hour_on_the_account_page(erin: User, settings: Any) -> None:
    settings.TIME_ZONE = settings.NEWSROOM_TIME_ZONE = "Europe/Brussels"
    client = Client()
    client.force_login(erin)
    saved = client.post(
        reverse("issues:digest"), {"daily_digest": "on", "digest_hour": "9"}, follow=True
    )
    assert [str(m) for m in saved.context["messages"]] == [
        "You will get a digest each day at 09:00 (Europe/Brussels)."
    ]
    page = saved.content.decode()
    assert '<option value="9" selected>09:00</option>' in page
    assert "In the publisher's time zone (Europe/Brussels)" in page
    for bad in ("24", "-1", "nine", ""):
        refused = client.post(
            reverse("issues:digest"), {"daily_digest": "", "digest_hour": bad}, follow=True
        )
        assert [str(m) for m in refused.context["messages"]] == [
            "Pick an hour of the day for the digest; nothing was changed."
        ]
    chosen = DeskSettings.objects.get(user=erin)
    assert (chosen.daily_digest, chosen.digest_hour) == (True, 9)
