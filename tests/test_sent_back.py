"""Sent back to me: the mark the workflow keeps on a story a reviewer hands
back to its author, and the dashboard panels that read it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from newsroom.models import Newsletter, Story
from newsroom.models.stories import SENT_BACK
from newsroom.review.workflow import (
    PUBLISH,
    RECALL,
    REQUEST_CHANGES,
    SUBMIT,
    WITHDRAW,
    Status,
    perform,
)
from tests import factories


def act(client: Client, story: Story, action: str, **data: str) -> None:
    response = client.post(f"/desk/stories/{story.pk}/{action}/", data, follow=True)
    assert response.status_code == 200
    story.refresh_from_db()


def sent_back_by_their_transitions(author: User) -> set[str]:
    """The drafts whose last transition sends them back, asked of the
    transitions themselves (the definition the mark replaces)."""
    drafts = Story.objects.drafts().filter(author=author).with_last_transition()
    return set(drafts.filter(last_transition__in=SENT_BACK).values_list("headline", flat=True))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("status", "action", "data", "words"),
    [
        (Status.REVIEW, "request-changes", {"comment": "Cite the ministry."}, "request_changes"),
        (Status.PUBLISHED, "withdraw", {"reason": "The figures are disputed."}, "withdraw"),
    ],
)
def test_sending_a_story_back_marks_it_at_the_time_of_its_audit_row(
    client: Client,
    alice: User,
    bob: User,
    newsletter: Newsletter,
    status: str,
    action: str,
    data: dict[str, str],
    words: str,
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=status, reviewer=bob)
    assert story.sent_back_at is None
    client.force_login(bob)

    act(client, story, action, **data)

    assert story.status == Status.DRAFT
    row = story.transitions.first()
    assert (row.transition, row.comment) == (words, *data.values())
    assert story.sent_back_at == row.at
    assert list(Story.objects.sent_back()) == [story]


def test_submitting_again_clears_the_mark(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    perform(story, REQUEST_CHANGES, by=bob, comment="Shorter, please.")
    client.force_login(alice)

    act(client, story, "submit")

    assert story.status == Status.REVIEW
    assert story.transitions.first().transition == "submit"
    assert story.sent_back_at is None
    assert not Story.objects.sent_back().exists()


def test_a_withdrawn_story_approved_again_is_no_longer_sent_back(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    perform(story, WITHDRAW, by=bob, comment="Wrong newsletter.")
    assert story.sent_back_at is not None

    perform(story, SUBMIT, by=alice)
    perform(story, PUBLISH, by=bob)

    story.refresh_from_db()
    assert (story.status, story.sent_back_at) == (Status.PUBLISHED, None)
    assert [t.transition for t in story.transitions.all()] == [
        "publish",
        "submit",
        "withdraw",
        "publish",
        "submit",
    ]


def test_an_edit_keeps_the_mark_and_a_recall_never_sets_it(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    returned = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    perform(returned, REQUEST_CHANGES, by=bob, comment="Which port?")
    returned.refresh_from_db()
    marked = returned.sent_back_at
    returned.body = "<p>The port of Mombasa opened its data centre on Monday.</p>"
    returned.save_edit(by=alice, expected_version=returned.version)
    recalled = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    perform(recalled, RECALL, by=alice)

    returned.refresh_from_db()
    recalled.refresh_from_db()
    assert returned.sent_back_at == marked
    assert recalled.sent_back_at is None
    assert list(Story.objects.sent_back()) == [returned]


def write_drafts(alice: User, erin: User, bob: User, newsletter: Newsletter) -> None:
    """Alice's drafts in every way a draft comes about, and one of Erin's."""

    def story(headline: str, status: Status = Status.REVIEW, author: User = alice) -> Story:
        return factories.make_story(
            author=author, newsletter=newsletter, headline=headline, status=status, reviewer=bob
        )

    story("Fresh draft", Status.DRAFT)
    perform(story("Changes requested"), REQUEST_CHANGES, by=bob, comment="Cite the ministry.")
    perform(story("Withdrawn", Status.PUBLISHED), WITHDRAW, by=bob, comment="Disputed.")
    perform(story("Recalled"), RECALL, by=alice)
    resubmitted = story("Resubmitted")
    perform(resubmitted, REQUEST_CHANGES, by=bob, comment="Shorter.")
    perform(resubmitted, SUBMIT, by=alice)
    twice = story("Sent back twice")
    perform(twice, REQUEST_CHANGES, by=bob, comment="First try.")
    perform(twice, SUBMIT, by=alice)
    perform(twice, REQUEST_CHANGES, by=bob, comment="Second try.")
    back_again = story("Withdrawn, resubmitted and recalled", Status.PUBLISHED)
    perform(back_again, WITHDRAW, by=bob, comment="Hold it.")
    perform(back_again, SUBMIT, by=alice)
    perform(back_again, RECALL, by=alice)
    story("Approved", Status.PUBLISHED)
    perform(story("Erin's", author=erin), REQUEST_CHANGES, by=bob, comment="Not Alice's.")


@pytest.fixture
def alices_desk(
    client: Client, alice: User, erin: User, bob: User, newsletter: Newsletter
) -> HttpResponse:
    """Alice's dashboard, with the drafts of `write_drafts`."""
    write_drafts(alice, erin, bob, newsletter)
    client.force_login(alice)
    return client.get("/desk/")


def panel(response: object, name: str) -> list[str]:
    return [s.headline for s in response.context[name]]  # type: ignore[attr-defined]


def test_the_dashboard_shows_the_same_drafts_as_their_transitions_say(
    alices_desk: HttpResponse, alice: User
) -> None:
    response = alices_desk
    sent_back = panel(response, "sent_back")
    assert sorted(sent_back) == sorted(sent_back_by_their_transitions(alice))
    assert sorted(sent_back) == ["Changes requested", "Sent back twice", "Withdrawn"]
    my_drafts = set(Story.objects.drafts().filter(author=alice).values_list("headline", flat=True))
    assert sorted(panel(response, "my_drafts")) == sorted(my_drafts - set(sent_back))
    assert sorted(panel(response, "my_drafts")) == [
        "Fresh draft",
        "Recalled",
        "Withdrawn, resubmitted and recalled",
    ]


def test_the_panel_lists_the_latest_sent_back_first_with_the_reviewers_words(
    alices_desk: HttpResponse, alice: User
) -> None:
    response = alices_desk
    shown = [
        (s.headline, s.last_transition, s.last_by, s.last_comment)
        for s in response.context["sent_back"]
    ]
    assert shown == [
        ("Sent back twice", "request_changes", "bob", "Second try."),
        ("Withdrawn", "withdraw", "bob", "Disputed."),
        ("Changes requested", "request_changes", "bob", "Cite the ministry."),
    ]
    page = response.content.decode()
    section = page.split('id="sent-back"')[1].split('id="my-drafts"')[0]
    assert "Withdrawn by bob:</span> Disputed." in section
    assert "Second try." in section
    assert "First try." not in section


def test_the_panels_filter_on_the_mark_not_on_each_drafts_transitions(
    client: Client, alice: User, erin: User, bob: User, newsletter: Newsletter
) -> None:
    """The transitions are looked up for the rows shown, in the SELECT list;
    the WHERE that chooses them reads only the story's own columns."""
    write_drafts(alice, erin, bob, newsletter)
    client.force_login(alice)

    with CaptureQueriesContext(connection) as captured:
        client.get("/desk/")

    drafts = [q["sql"] for q in captured if "sent_back_at" in q["sql"].split(" WHERE ")[-1]]
    assert len(drafts) == 2  # sent back, and my drafts
    for sql in drafts:
        where = sql.split(" WHERE ")[-1]
        assert "newsroom_storytransition" not in where, sql
