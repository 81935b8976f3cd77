"""The instant after a publication commits: an outage there loses neither
the stored documents nor the subscribers' mail.

The database connection breaking just after PostgreSQL committed looks, to
the worker, like a failed commit. Played here by a listener of the commit's
own announcement: the mail's receiver meets a broken connection as
`deliver_issue.enqueue` would. The publication has committed, and what the
worker hears is an OperationalError."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import OperationalError

from issues.models import Issue
from issues.publishing.delivery import OWED_MAIL_GRACE, issue_published, requeue_owed_mail
from issues.publishing.publish import PublishError, publish_issue
from issues.room import IssuesRoom
from newsroom.models import Newsletter
from newsroom.review.workflow import Status, transitioned
from tests.issue_helpers import make_issue_in_review, stored_files

pytestmark = pytest.mark.django_db(transaction=True)
MAIL_RECEIVER = "issues.publishing.delivery.issue_published"


def connection_lost(**kwargs: object) -> None:
    raise OperationalError("server closed the connection unexpectedly")


@contextmanager
def mail_cannot_be_queued() -> Iterator[None]:
    transitioned.disconnect(dispatch_uid=MAIL_RECEIVER)
    transitioned.connect(connection_lost, sender=Issue)
    try:
        yield
    finally:
        transitioned.disconnect(connection_lost, sender=Issue)
        transitioned.connect(issue_published, dispatch_uid=MAIL_RECEIVER)


def issue_mails(reader: User) -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [reader.email]]


def test_an_outage_after_the_commit_keeps_the_files_and_the_mail_goes_out_later(
    newsletter: Newsletter, alice: User, bob: User, dave: User, artifacts: Path
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=2)
    with mail_cannot_be_queued(), pytest.raises(PublishError):
        publish_issue(issue=issue, by=bob)

    issue.refresh_from_db()
    edition = issue.editions.get()  # type: ignore[attr-defined]
    assert (issue.status, issue.mail_owed) == (Status.PUBLISHED, True)
    assert sorted(stored_files(artifacts)) == sorted(
        [edition.pdf_file.name, edition.html_file.name]
    )  # the edition's files were kept, not deleted as after a failed commit
    assert issue_mails(dave) == []

    published_at = issue.published_at
    assert published_at is not None
    # The publication's own mail task still has its grace...
    assert requeue_owed_mail(published_at + OWED_MAIL_GRACE / 2) == 0
    # ...then the deadline check takes the mail for lost and queues it.
    IssuesRoom().catch_up(published_at + OWED_MAIL_GRACE)

    assert len(issue_mails(dave)) == 1
    issue.refresh_from_db()
    assert issue.mail_owed is False
    # Once planned, never again: a second check mails nobody.
    assert requeue_owed_mail(published_at + datetime.timedelta(hours=1)) == 0
    IssuesRoom().catch_up(published_at + datetime.timedelta(hours=1))
    assert len(issue_mails(dave)) == 1


def test_an_ordinary_publication_owes_nothing_once_its_mail_is_planned(
    newsletter: Newsletter, alice: User, bob: User, dave: User, artifacts: Path
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)

    publish_issue(issue=issue, by=bob)

    issue.refresh_from_db()
    assert issue.mail_owed is False
    assert len(issue_mails(dave)) == 1


def test_a_back_issue_published_without_notice_owes_no_mail(
    newsletter: Newsletter, alice: User, bob: User, dave: User, artifacts: Path
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)

    publish_issue(issue=issue, by=bob, notify=False)

    issue.refresh_from_db()
    assert issue.mail_owed is False
    IssuesRoom().catch_up(issue.published_at + datetime.timedelta(days=1))  # type: ignore[operator]
    assert issue_mails(dave) == []
