"""Published issues for the subscriber-side tests.

Publishing renders a real PDF (about half a second), so each test publishes
as few issues as it can.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User

from issues.models import Issue, Newsletter
from issues.publishing import publish_issue
from newsroom.workflow import SUBMIT, Status, perform
from tests import factories


def publish(
    newsletter: Newsletter,
    *,
    editor: User,
    reviewer: User,
    headlines: tuple[str, ...] = ("Harbour cable lands in Port Avel",),
    number: int | None = None,
    period_start: datetime.date = datetime.date(2025, 11, 24),
) -> Issue:
    stories = [
        factories.make_story(
            author=editor,
            newsletter=newsletter,
            status=Status.PUBLISHED,
            reviewer=reviewer,
            headline=headline,
        )
        for headline in headlines
    ]
    issue = factories.make_issue(
        newsletter=newsletter,
        created_by=editor,
        stories=stories,
        number=number,
        period_start=period_start,
    )
    perform(issue, SUBMIT, by=editor)
    return publish_issue(issue=issue, by=reviewer)


def draft(newsletter: Newsletter, *, editor: User, number: int | None = None) -> Issue:
    return factories.make_issue(newsletter=newsletter, created_by=editor, number=number)
