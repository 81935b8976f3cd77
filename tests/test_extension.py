"""The writing room's extension point (newsroom.extension): it asks its
publishing questions of the one PublishingRoom connected, which the
publishing room connects at start-up; unconnected, it is a newsroom that
publishes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from issues.room import IssuesRoom
from newsroom import extension
from newsroom.models import Newsletter
from newsroom.review.workflow import PUBLISH, SUBMIT, WITHDRAW, Status, perform
from tests.factories import client_for, make_issue, make_story, small_edition


@pytest.fixture
def unconnected() -> Iterator[None]:
    connected = extension.publishing_room()
    extension.connect(extension.PublishingRoom())
    yield
    extension.connect(connected)


def test_the_publishing_room_connects_its_answers_at_start_up() -> None:
    assert isinstance(extension.publishing_room(), IssuesRoom)


@pytest.mark.django_db
def test_a_story_in_a_published_issue_is_told_by_the_publishing_room(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = make_story(author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob)
    issue = make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    perform(issue, SUBMIT, by=alice)
    perform(issue, PUBLISH, by=bob, prepare=small_edition(bob))
    assert extension.publishing_room().published_issue_numbers([story.pk]) == {
        story.pk: issue.number
    }
    assert story.status_label() == f"In issue no. {issue.number}"


@pytest.mark.django_db
def test_unconnected_the_writing_room_works_as_a_newsroom_that_publishes_nothing(
    unconnected: None, alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = make_story(author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob)
    assert story.status_label() == "Approved"
    page = client_for(bob).get("/desk/")
    assert page.status_code == 200
    assert "Issues in progress" not in page.content.decode()
    perform(story, WITHDRAW, by=bob, comment="Taken back for a check.")
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert story.transitions.first().transition == WITHDRAW.name
