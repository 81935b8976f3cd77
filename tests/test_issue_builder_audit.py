"""Every change to an issue's stories is in its audit trail: who, when, what.

Alice and Erin edit; Bob reviews.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from issues.models import Issue, IssueTransition
from issues.models.issues import BUILDER_NOTE
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import Status
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import make_published_stories


def url(name: str, issue: Issue, *args: object) -> str:
    return reverse(f"issue_desk:{name}", args=[issue.pk, *args])


@pytest.fixture
def stories(newsletter: Newsletter, alice: User, bob: User) -> list[Story]:
    return make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=4)


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, stories: list[Story]) -> Issue:
    return factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories[:3])


def audit_rows(issue: Issue) -> list[IssueTransition]:
    return list(issue.transitions.order_by("at", "pk"))


def the_one_row(issue: Issue, by: User) -> IssueTransition:
    [row] = audit_rows(issue)
    assert (row.transition, row.from_status, row.to_status) == ("change", "draft", "draft")
    assert (row.by, row.note) == (by, BUILDER_NOTE)
    assert timezone.now() - row.at < datetime.timedelta(minutes=1)
    return row


def test_adding_a_story_is_audited_with_who_and_when(
    issue: Issue, erin: User, stories: list[Story]
) -> None:
    client_for(erin).post(url("add_story", issue), {"story": stories[3].pk})

    row = the_one_row(issue, erin)
    assert row.comment == f"Added “{stories[3].headline}” as story 4."


def test_removing_a_story_is_audited(issue: Issue, alice: User, stories: list[Story]) -> None:
    client_for(alice).post(url("remove_story", issue, stories[1].pk))

    row = the_one_row(issue, alice)
    assert row.comment == f"Removed “{stories[1].headline}”, which was story 2."
    assert issue.entries.count() == 2


def test_moving_a_story_is_audited_and_staying_put_at_the_top_is_not(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    client = client_for(alice)
    client.post(url("move_story", issue, stories[2].pk), {"direction": "up"})
    client.post(url("move_story", issue, stories[0].pk), {"direction": "up"})  # already first

    row = the_one_row(issue, alice)
    assert row.comment == f"Moved “{stories[2].headline}” from story 3 to story 2."


def test_a_new_order_is_audited_in_full_and_the_same_order_is_not(
    issue: Issue, erin: User, stories: list[Story]
) -> None:
    client = client_for(erin)
    new_order = [stories[2], stories[0], stories[1]]
    for order in (new_order, new_order):
        response = client.post(
            url("set_order", issue),
            {"order": ",".join(str(s.pk) for s in order)},
            headers={"Accept": "application/json"},
        )
        assert response.json() == {"ok": True, "error": ""}

    row = the_one_row(issue, erin)
    assert row.comment == (
        "Reordered the stories: "
        + "; ".join(f"{n}. “{s.headline}”" for n, s in enumerate(new_order, start=1))
        + "."
    )


def test_a_refused_change_leaves_no_audit_row(
    issue: Issue, alice: User, newsletter: Newsletter, stories: list[Story]
) -> None:
    draft = factories.make_story(author=alice, newsletter=newsletter, headline="Tide tables late")
    client = client_for(alice)
    client.post(url("add_story", issue), {"story": draft.pk})
    client.post(
        url("set_order", issue),
        {"order": f"{stories[1].pk},{stories[0].pk}"},
        headers={"Accept": "application/json"},
    )
    Issue.objects.filter(pk=issue.pk).update(status=Status.REVIEW)
    client.post(url("remove_story", issue, stories[0].pk))

    assert audit_rows(issue) == []
    assert issue.entries.count() == 3


def test_a_headline_stored_with_control_characters_is_audited_without_them(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    Story.objects.filter(pk=stories[3].pk).update(headline="Bell\x07 rang")

    client_for(alice).post(url("add_story", issue), {"story": stories[3].pk})

    assert the_one_row(issue, alice).comment == "Added “Bell rang” as story 4."


def test_the_builder_shows_the_changes_in_its_history(
    issue: Issue, alice: User, erin: User, stories: list[Story]
) -> None:
    client_for(erin).post(url("remove_story", issue, stories[0].pk))

    page = client_for(alice).get(url("issue_builder", issue)).content.decode()

    assert "Changed (issue builder)</strong> by erin" in page
    assert f"Removed “{stories[0].headline}”, which was story 1." in page
