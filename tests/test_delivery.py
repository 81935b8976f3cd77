"""Mailing a published issue: one mail per subscriber per issue, retry-safe."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.test import override_settings

from issues.models import Delivery, Issue
from issues.publishing.delivery import deliver_issue
from newsroom.models import Newsletter
from newsroom.review.workflow import PUBLISH, SUBMIT, Status, perform
from tests import factories
from tests.issue_helpers import publish

CaptureCallbacks = Callable[..., Any]


@pytest.fixture
def outbox(db: None) -> list[EmailMessage]:
    """The test outbox, taken after the database fixture has replaced it
    (pytest-django's `outbox` goes stale if set up before `db`)."""
    return mail.outbox  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def readers(newsletter: Newsletter, dave: User) -> dict[str, User]:
    """Dave and Frank read ICT; Gina reads Energy only; Henry's account is closed."""
    energy = factories.make_newsletter("Energy", "energy")
    henry = factories.make_subscriber("henry", newsletter)
    henry.is_active = False
    henry.save()
    return {
        "dave": dave,
        "frank": factories.make_subscriber("frank", newsletter),
        "gina": factories.make_subscriber("gina", energy),
        "henry": henry,
    }


READERS = {f"{name}@example.org" for name in ("dave", "frank", "gina", "henry")}


def issue_mails(outbox: list[EmailMessage]) -> list[EmailMessage]:
    """Mail to the readers, without the desk's notices to Alice and Bob."""
    return [message for message in outbox if set(message.to) <= READERS]


def recipients(outbox: list[EmailMessage]) -> list[str]:
    return sorted(address for message in issue_mails(outbox) for address in message.to)


@override_settings(NEWSROOM_SITE_URL="https://news.example.org")
def test_publishing_mails_each_subscriber_of_the_newsletter_once(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    outbox: list[EmailMessage],
    newsletter: Newsletter,
    readers: dict[str, User],
    alice: User,
    bob: User,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue = publish(
            newsletter,
            editor=alice,
            reviewer=bob,
            headlines=("Port Avel lays a harbour cable", "Lowmarsh opens a chip school"),
            number=12,
        )

    assert recipients(outbox) == ["dave@example.org", "frank@example.org"]
    message = issue_mails(outbox)[0]
    assert message.subject == f"{newsletter.title}: 24 - 30 November 2025"
    assert "Port Avel lays a harbour cable" in message.body
    assert "https://news.example.org/issues/ict/12/" in message.body
    assert "https://news.example.org/issues/ict/12.pdf" in message.body
    [(html, mimetype)] = message.alternatives  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert "Lowmarsh opens a chip school" in html
    assert 'href="https://news.example.org/issues/ict/12/"' in html
    sent = Delivery.objects.filter(issue=issue, sent_at__isnull=False)
    assert sorted(d.user.username for d in sent) == ["dave", "frank"]

    # A retry, or a second worker, mails nobody twice.
    assert deliver_issue.call(issue.pk) == 0
    deliver_issue.enqueue(issue.pk)
    assert len(issue_mails(outbox)) == 2
    assert Delivery.objects.filter(issue=issue).count() == 2


def test_a_refused_address_is_logged_and_the_others_still_get_their_mail(
    outbox: list[EmailMessage],
    caplog: pytest.LogCaptureFixture,
    newsletter: Newsletter,
    readers: dict[str, User],
    alice: User,
    bob: User,
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob)  # outside on_commit: no mail yet
    assert issue_mails(outbox) == []
    real_send = locmem.EmailBackend.send_messages

    def refuse_dave(backend: Any, messages: list[EmailMessage]) -> int:
        if any("dave@example.org" in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({"dave@example.org": (550, b"no such user")})
        return real_send(backend, messages)

    with (
        mock.patch.object(locmem.EmailBackend, "send_messages", refuse_dave),
        caplog.at_level(logging.ERROR, logger="issues.publishing.delivery"),
    ):
        assert deliver_issue.call(issue.pk) == 1

    assert recipients(outbox) == ["frank@example.org"]
    failed = Delivery.objects.get(issue=issue, user=readers["dave"])
    assert failed.sent_at is None
    assert "SMTPRecipientsRefused" in failed.error
    assert f"Could not mail issue {issue.pk} to user {readers['dave'].pk}" in caplog.text

    # The next run sends only what is still owed.
    assert deliver_issue.call(issue.pk) == 1
    assert recipients(outbox) == ["dave@example.org", "frank@example.org"]
    failed.refresh_from_db()
    assert failed.sent_at is not None
    assert failed.error == ""


def test_other_transitions_mail_nobody(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    outbox: list[EmailMessage],
    newsletter: Newsletter,
    dave: User,
    alice: User,
    bob: User,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        story = factories.make_story(author=alice, newsletter=newsletter)
        perform(story, SUBMIT, by=alice)
        perform(story, PUBLISH, by=bob)
        issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
        perform(issue, SUBMIT, by=alice)

    assert story.status == Status.PUBLISHED
    assert issue_mails(outbox) == []
    assert not Delivery.objects.exists()
    # And an issue that is not published is never delivered, even if asked.
    assert deliver_issue.call(issue.pk) == 0
    assert Issue.objects.get(pk=issue.pk).status == Status.REVIEW
