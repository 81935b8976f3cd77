"""Publishing asks first: a page says what will happen, and only its POST publishes.

Alice edits, Bob and Carol review, Dave and Frank subscribe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from issues.models import Issue
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import SUBMIT, WITHDRAW, Status, perform
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import make_published_stories, stored_files


def publish_url(issue: Issue) -> str:
    return reverse("issue_desk:issue_publish", args=[issue.pk])


@pytest.fixture
def stories(newsletter: Newsletter, alice: User, bob: User) -> list[Story]:
    return make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=2)


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, stories: list[Story]) -> Issue:
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories, number=7)
    perform(issue, SUBMIT, by=alice)
    return issue


def test_the_confirmation_page_says_what_publishing_does(
    issue: Issue, bob: User, dave: User, newsletter: Newsletter
) -> None:
    factories.make_subscriber("frank", newsletter)

    response = client_for(bob).get(publish_url(issue))

    page = response.content.decode()
    assert "Publish Information and Communication Technology (ICT) no. 7?" in page
    assert "stored for good" in page
    assert (
        "2 subscribers</strong> of Information and Communication Technology (ICT) get a mail"
        in page
    )
    assert "Publish now" in page
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW and issue.transitions.count() == 1
    assert not issue.editions.exists()


def test_the_builder_asks_for_confirmation_instead_of_publishing(issue: Issue, bob: User) -> None:
    page = client_for(bob).get(reverse("issue_desk:issue_builder", args=[issue.pk])).content
    assert f'href="{publish_url(issue)}">Publish…</a>'.encode() in page
    assert f'action="{publish_url(issue)}"'.encode() not in page


def test_confirming_publishes_and_mails(
    issue: Issue,
    bob: User,
    dave: User,
    artifacts: Path,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(publish_url(issue), follow=True)

    assert f"Published {issue}." in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED and issue.editions.get().number == 1
    assert issue.transitions.first().transition == "publish"
    assert issue.transitions.first().by == bob
    assert [m.to for m in mailoutbox] == [[dave.email]]
    assert len(stored_files(artifacts)) == 2


def test_an_editor_may_not_see_the_confirmation_page(issue: Issue, alice: User) -> None:
    assert client_for(alice).get(publish_url(issue)).status_code == 403


def test_a_reviewer_sees_why_an_issue_cannot_be_published_and_a_way_out(
    issue: Issue, bob: User, stories: list[Story]
) -> None:
    perform(stories[1], WITHDRAW, by=bob, comment="Taken back for a check.")
    client = client_for(bob)

    confirmation = client.get(publish_url(issue)).content.decode()
    builder = client.get(reverse("issue_desk:issue_builder", args=[issue.pk])).content.decode()

    assert f"not yet: “{stories[1].headline}”" in confirmation
    assert "send it back to the editors" in confirmation and "Publish now" not in confirmation
    assert "Send the issue back to the editors" in builder
    assert reverse("desk:story_detail", args=[stories[1].pk]) in builder
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW


def test_an_already_published_issue_is_not_offered_again(
    issue: Issue, bob: User, artifacts: Path
) -> None:
    client = client_for(bob)
    client.post(publish_url(issue))

    page = client.get(publish_url(issue)).content.decode()

    assert "this one is published" in page and "Publish now" not in page
    assert issue.transitions.filter(transition="publish").count() == 1
