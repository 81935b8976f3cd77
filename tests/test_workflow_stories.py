"""Every story transition, for every role, from every state."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from newsroom.models import Newsletter, Story
from newsroom.review.workflow import (
    PUBLISH,
    RECALL,
    REQUEST_CHANGES,
    SUBMIT,
    TRANSITIONS,
    WITHDRAW,
    Status,
    WorkflowError,
    perform,
    transitioned,
)
from tests import factories

# (state the story is in, transition, who) that the workflow allows.
# alice wrote the story; erin is another editor; bob a reviewer; dave a subscriber.
ALLOWED = {
    (Status.DRAFT, "submit", "alice"),
    (Status.DRAFT, "submit", "erin"),
    (Status.REVIEW, "request_changes", "bob"),
    (Status.REVIEW, "publish", "bob"),
    (Status.PUBLISHED, "withdraw", "bob"),
    (Status.REVIEW, "recall", "alice"),  # her own story, back to draft
}


@pytest.fixture
def people(alice: User, erin: User, bob: User, dave: User) -> dict[str, User]:
    return {"alice": alice, "erin": erin, "bob": bob, "dave": dave}


def story_in(state: Status, author: User, reviewer: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=author, newsletter=newsletter, status=state, reviewer=reviewer
    )


@pytest.mark.parametrize("state", list(Status))
@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("who", ["alice", "erin", "bob", "dave"])
def test_each_role_may_only_do_what_the_table_says(
    state: Status, name: str, who: str, people: dict[str, User], newsletter: Newsletter
) -> None:
    story = story_in(state, people["alice"], people["bob"], newsletter)
    transition = TRANSITIONS[name]
    audit_rows = story.transitions.count()

    if (state, name, who) in ALLOWED:
        perform(story, transition, by=people[who], comment="Tighten the second sentence.")
        story.refresh_from_db()
        assert story.status == transition.target
        row = story.transitions.first()
        assert (row.transition, row.from_status, row.to_status, row.by) == (
            name,
            transition.source,
            transition.target,
            people[who],
        )
        assert row.comment == "Tighten the second sentence."
        assert story.transitions.count() == audit_rows + 1
    else:
        with pytest.raises(WorkflowError):
            perform(story, transition, by=people[who], comment="Tighten the second sentence.")
        story.refresh_from_db()
        assert story.status == state
        assert story.transitions.count() == audit_rows


def test_nobody_approves_their_own_story(carol: User, newsletter: Newsletter) -> None:
    # Carol is a reviewer who also writes.
    carol.groups.add(*factories.make_editor("tmp").groups.all())
    story = factories.make_story(author=carol, newsletter=newsletter, status=Status.REVIEW)

    with pytest.raises(WorkflowError, match="own story"):
        perform(story, PUBLISH, by=carol)

    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert not story.transitions.filter(transition="publish").exists()


def test_requesting_changes_needs_a_comment(alice: User, bob: User, newsletter: Newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)

    with pytest.raises(WorkflowError, match="comment"):
        perform(story, REQUEST_CHANGES, by=bob, comment="   ")

    story.refresh_from_db()
    assert story.status == Status.REVIEW


@pytest.mark.parametrize(
    ("missing", "fields"),
    [
        ("a headline", {"headline": " "}),
        ("a body", {"body": "<p> </p>"}),
        ("a source", {"source": None}),
    ],
)
def test_it_refuses_to_submit_an_incomplete_story(
    missing: str, fields: dict[str, object], alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, **fields)

    with pytest.raises(WorkflowError, match=missing):
        perform(story, SUBMIT, by=alice)

    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert story.transitions.count() == 0


def test_approving_stamps_the_publication_date_and_withdrawing_clears_it(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)

    perform(story, PUBLISH, by=bob)
    story.refresh_from_db()
    assert story.published_at is not None

    perform(story, WITHDRAW, by=bob, comment="Taken back for a check.")
    story.refresh_from_db()
    assert (story.status, story.published_at) == (Status.DRAFT, None)
    # Withdrawing keeps the history of what was published.
    assert story.history.filter(status=Status.PUBLISHED).exists()


def test_a_story_is_withdrawn_only_with_a_reason_for_its_author(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )

    with pytest.raises(WorkflowError, match="Say why you withdraw it"):
        perform(story, WITHDRAW, by=bob, comment=" ")

    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert not story.transitions.filter(transition="withdraw").exists()
    assert WITHDRAW in story.allowed_transitions(bob)  # the button still shows


def test_a_story_in_a_published_issue_cannot_be_withdrawn(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    perform(issue, SUBMIT, by=alice)
    perform(issue, PUBLISH, by=bob, prepare=factories.small_edition(bob))

    with pytest.raises(WorkflowError, match="published issue"):
        perform(story, WITHDRAW, by=bob, comment="Taken back for a check.")

    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


def test_a_superuser_can_do_what_every_role_can(
    admin_user: User, alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)

    perform(story, SUBMIT, by=admin_user)
    perform(story, PUBLISH, by=admin_user)

    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert list(story.transitions.values_list("by__username", flat=True)) == ["root", "root"]


def test_an_inactive_reviewer_can_do_nothing(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    bob.is_active = False
    bob.save()

    with pytest.raises(WorkflowError, match="Only a reviewer"):
        perform(story, PUBLISH, by=bob)

    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert not story.transitions.filter(transition="publish").exists()


def test_transitions_offered_to_a_user_are_the_ones_they_may_take(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)

    assert story.allowed_transitions(alice) == [RECALL]  # her own story
    assert story.allowed_transitions(bob) == [REQUEST_CHANGES, PUBLISH]


def test_only_a_quiet_transition_goes_unannounced(
    alice: User, newsletter: Newsletter, django_capture_on_commit_callbacks: Any
) -> None:
    loud = factories.make_story(author=alice, newsletter=newsletter)
    quiet = factories.make_story(author=alice, newsletter=newsletter)
    heard: list[Story] = []

    def listen(sender: type, instance: Story, **kwargs: Any) -> None:
        heard.append(instance)

    transitioned.connect(listen, dispatch_uid="test-quiet")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            perform(loud, SUBMIT, by=alice)
            perform(quiet, SUBMIT, by=alice, notify=False)
    finally:
        transitioned.disconnect(dispatch_uid="test-quiet")

    assert heard == [loud]
    assert quiet.transitions.get().transition == "submit"
