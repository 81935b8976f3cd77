"""Readable builders for test data: people by role, newsletters, stories, issues.

Each helper saves and returns one object; keyword arguments override the
defaults. Status only ever changes through the workflow, so `make_story`
with status=PUBLISHED walks the story through submit and approve.
"""

from __future__ import annotations

import datetime
import io
import itertools
from collections.abc import Callable

from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from pypdf import PdfWriter

from issues import roles as issue_roles
from issues.models import Issue, IssueStory, Subscription
from newsroom import roles
from newsroom.models import Newsletter, Source, Story
from newsroom.review.workflow import PUBLISH, SUBMIT, Status, perform

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, *groups: str, **fields: object) -> User:
    user = User.objects.create_user(
        username, email=f"{username}@example.org", password=PASSWORD, **fields
    )
    if groups and not Group.objects.filter(name__in=groups).exists():
        # A transactional test (the browser journeys) flushed the tables the
        # roles migration filled; put the groups back as it made them.
        issue_roles.sync_roles()
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_editor(username: str = "alice") -> User:
    return make_user(username, roles.EDITORS)


def make_reviewer(username: str = "bob") -> User:
    return make_user(username, roles.REVIEWERS)


def make_subscriber(username: str = "dave", *newsletters: Newsletter) -> User:
    user = make_user(username, roles.SUBSCRIBERS)
    for newsletter in newsletters:
        Subscription.objects.create(user=user, newsletter=newsletter)
    return user


def make_newsletter(
    title: str = "Information and Communication Technology (ICT)", slug: str = "ict"
) -> Newsletter:
    return Newsletter.objects.create(title=title, slug=slug)


def make_source(name: str = "Harbour Tribune") -> Source:
    source, _ = Source.objects.get_or_create(name=name)
    return source


def make_story(
    *,
    author: User,
    newsletter: Newsletter,
    status: Status = Status.DRAFT,
    reviewer: User | None = None,
    **fields: object,
) -> Story:
    n = next(_counter)
    defaults: dict[str, object] = {
        "headline": f"Port city opens data centre number {n}",
        "body": f"<p>The harbour authority opened its {n}th data centre on Monday, "
        "powered by offshore wind and cooled by sea water.</p>",
        "source": make_source(),
    }
    story = Story.objects.create(author=author, newsletter=newsletter, **(defaults | fields))
    if status in (Status.REVIEW, Status.PUBLISHED):
        perform(story, SUBMIT, by=author)
    if status == Status.PUBLISHED:
        assert reviewer is not None, "a published story needs a reviewer to approve it"
        perform(story, PUBLISH, by=reviewer)
    return story


def make_issue(
    *,
    newsletter: Newsletter,
    created_by: User,
    stories: list[Story] = (),  # type: ignore[assignment]
    number: int | None = None,
    period_start: datetime.date = datetime.date(2025, 11, 24),
    period_end: datetime.date | None = None,
) -> Issue:
    issue = Issue.objects.create(
        newsletter=newsletter,
        number=number if number is not None else next(_counter),
        period_start=period_start,
        period_end=period_end or period_start + datetime.timedelta(days=6),
        created_by=created_by,
    )
    for position, story in enumerate(stories, start=1):
        IssueStory.objects.create(issue=issue, story=story, position=position)
    return issue


def small_pdf() -> bytes:
    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


def small_edition(by: User) -> Callable[[Issue], list[str]]:
    """A `prepare` for `perform(issue, PUBLISH, by=by)` in workflow tests that
    do not look at the documents: stores edition 1 with a tiny HTML and a
    blank one-page PDF instead of rendering (publish_issue renders; see
    tests/issue_helpers.py)."""
    from issues.publishing.publish import store_edition

    def store(locked: Issue) -> list[str]:
        locked.published_at = locked.published_at or timezone.now()
        html = b"<!doctype html><title>issue</title>"
        store_edition(issue=locked, number=1, html=html, pdf=small_pdf(), by=by, written=[])
        return []

    return store


def client_for(user: User) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client
