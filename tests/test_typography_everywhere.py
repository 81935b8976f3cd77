"""The printed issue's quotes and dashes on every surface a reader meets:
the PDF, the issue page, the feed and the mail say the same characters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core import mail

from issues.models import Issue
from issues.publishing.publish import publish_issue
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import make_issue_in_review, pdf_text

TYPED = '"Fibre" for Port Avel -- the 2025--2026 plan'
PRINTED = "“Fibre” for Port Avel — the 2025–2026 plan"


def published(newsletter: Newsletter, alice: User, bob: User, capture: Callable[..., Any]) -> Issue:
    issue = make_issue_in_review(
        newsletter=newsletter, editor=alice, reviewer=bob, headlines=(TYPED,), number=9
    )
    with capture(execute=True):
        return publish_issue(issue=issue, by=bob)


def test_the_pdf_page_feed_and_mail_print_the_same_quotes_and_dashes(
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    mail.outbox.clear()  # type: ignore[attr-defined]
    issue = published(newsletter, alice, bob, django_capture_on_commit_callbacks)

    with issue.latest_edition.pdf_file.open("rb") as stored:
        assert PRINTED in pdf_text(stored.read())
    page = factories.client_for(dave).get(issue.get_absolute_url()).content.decode()
    assert f">{PRINTED}</h2>" in page
    feed = factories.client_for(dave).get("/feeds/ict.atom").content.decode()
    assert f"&lt;li&gt;{PRINTED}&lt;/li&gt;" in feed
    [message] = [m for m in mail.outbox if m.to == [dave.email]]  # type: ignore[attr-defined]
    assert PRINTED in message.body
    assert PRINTED in message.alternatives[0][0]  # type: ignore[attr-defined]
    for surface in (page, feed, message.body):
        assert TYPED not in surface
