"""Review: submit, approve, request changes, withdraw, and every refusal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from newsroom.models import Newsletter, Story, StoryTransition
from newsroom.review.workflow import Status
from tests import factories


@pytest.fixture
def draft(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(author=alice, newsletter=newsletter, headline="Dam turbines")


@pytest.fixture
def in_review(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=alice, newsletter=newsletter, headline="Bridge sensors", status=Status.REVIEW
    )


def act(client, story: Story, action: str, **data: str):
    return client.post(f"/desk/stories/{story.pk}/{action}/", data, follow=True)


def assert_unchanged(story: Story, status: Status, transitions: int) -> None:
    story.refresh_from_db()
    assert story.status == status
    assert StoryTransition.objects.filter(story=story).count() == transitions


def test_the_author_submits_a_draft(client, draft: Story, alice: User) -> None:
    client.force_login(alice)
    response = act(client, draft, "submit")
    assert "Submitted for review." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.REVIEW
    row = draft.transitions.get()
    assert (row.transition, row.by) == ("submit", alice)


def test_a_story_without_a_source_is_not_submitted(client, alice, newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, source=None)
    client.force_login(alice)
    response = act(client, story, "submit")
    assert "A story needs a source before review." in response.content.decode()
    assert_unchanged(story, Status.DRAFT, 0)


def test_the_review_queue_lists_stories_in_review(client, in_review, draft, bob) -> None:
    client.force_login(bob)
    page = client.get("/desk/review/").content.decode()
    assert "Bridge sensors" in page
    assert "Dam turbines" not in page


def test_editors_have_no_review_queue_or_review_page(client, in_review, erin) -> None:
    client.force_login(erin)
    assert client.get("/desk/review/").status_code == 403
    assert client.get(f"/desk/stories/{in_review.pk}/review/").status_code == 403


def test_a_reviewer_approves(client, in_review: Story, bob: User) -> None:
    client.force_login(bob)
    page = client.get(f"/desk/stories/{in_review.pk}/review/").content.decode()
    assert f'action="/desk/stories/{in_review.pk}/approve/"' in page
    assert f'action="/desk/stories/{in_review.pk}/request-changes/"' in page
    response = act(client, in_review, "approve")
    assert "Approved: the story is ready for an issue." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED
    assert in_review.published_at is not None
    assert in_review.transitions.first().by == bob


def test_a_reviewer_requests_changes_and_the_author_sees_the_comment(
    client, in_review: Story, alice: User, bob: User
) -> None:
    client.force_login(bob)
    act(client, in_review, "request-changes", comment="Name the city council, please.")
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT
    assert in_review.last_request_for_changes().comment == "Name the city council, please."

    client.force_login(alice)
    dashboard = client.get("/desk/").content.decode()
    assert "Sent back to me" in dashboard
    assert "Name the city council, please." in dashboard
    detail = client.get(f"/desk/stories/{in_review.pk}/").content.decode()
    assert "Changes requested by bob" in detail
    assert "Name the city council, please." in detail
    edit_page = client.get(f"/desk/stories/{in_review.pk}/edit/").content.decode()
    assert "Name the city council, please." in edit_page


def test_request_changes_needs_a_comment(client, in_review: Story, bob: User) -> None:
    client.force_login(bob)
    response = act(client, in_review, "request-changes", comment="   ")
    assert response.redirect_chain[-1][0] == f"/desk/stories/{in_review.pk}/review/"
    assert "a comment is required" in response.content.decode()
    assert_unchanged(in_review, Status.REVIEW, 1)


@pytest.mark.parametrize("action", ["approve", "request-changes", "withdraw"])
def test_editors_cannot_take_reviewer_actions(client, in_review, erin, action) -> None:
    client.force_login(erin)
    response = client.post(f"/desk/stories/{in_review.pk}/{action}/", {"comment": "No."})
    assert response.status_code == 403
    assert_unchanged(in_review, Status.REVIEW, 1)


def test_a_reviewer_cannot_submit_someone_elses_draft(client, draft: Story, bob) -> None:
    client.force_login(bob)
    assert client.post(f"/desk/stories/{draft.pk}/submit/").status_code == 403
    assert_unchanged(draft, Status.DRAFT, 0)


def test_a_reviewer_submits_a_draft_of_her_own(client, bob: User, newsletter) -> None:
    story = factories.make_story(author=bob, newsletter=newsletter)
    client.force_login(bob)
    response = act(client, story, "submit")
    assert "Submitted for review." in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert story.transitions.get().by == bob


@pytest.mark.parametrize("action", ["submit", "approve", "request-changes", "withdraw"])
def test_subscribers_cannot_act(client, in_review: Story, dave: User, action: str) -> None:
    client.force_login(dave)
    assert client.post(f"/desk/stories/{in_review.pk}/{action}/").status_code == 403
    assert_unchanged(in_review, Status.REVIEW, 1)


def test_nobody_approves_their_own_story(client, bob: User, carol: User, newsletter) -> None:
    """Bob wrote this one himself, so it needs Carol."""
    story = factories.make_story(author=bob, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(bob)
    page = client.get(f"/desk/stories/{story.pk}/review/").content.decode()
    assert "This is your story: another reviewer must approve it." in page
    assert f"/desk/stories/{story.pk}/approve/" not in page
    response = act(client, story, "approve")
    assert "Nobody approves their own story" in response.content.decode()
    assert_unchanged(story, Status.REVIEW, 1)


def test_approving_a_draft_is_refused_with_a_message(client, draft: Story, bob: User) -> None:
    client.force_login(bob)
    response = act(client, draft, "approve")
    assert "needs it to be in review" in response.content.decode()
    assert_unchanged(draft, Status.DRAFT, 0)


def test_actions_are_post_only(client, in_review: Story, bob: User) -> None:
    client.force_login(bob)
    assert client.get(f"/desk/stories/{in_review.pk}/approve/").status_code == 405
    assert_unchanged(in_review, Status.REVIEW, 1)


def test_actions_on_a_missing_story_are_404(client, bob: User) -> None:
    client.force_login(bob)
    assert client.post("/desk/stories/999/approve/").status_code == 404


def test_a_reviewer_withdraws_a_published_story(client, alice, bob, carol, newsletter) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=carol
    )
    client.force_login(bob)
    response = act(client, story, "withdraw", reason="Our source retracted the figures.")
    assert "Withdrawn" in response.content.decode()
    story.refresh_from_db()
    assert (story.status, story.published_at) == (Status.DRAFT, None)
    row = story.transitions.first()
    assert (row.transition, row.by, row.comment) == (
        "withdraw",
        bob,
        "Our source retracted the figures.",
    )
    client.force_login(alice)
    page = client.get(f"/desk/stories/{story.pk}/").content.decode()
    assert "Withdrawn by bob" in page
    assert "Our source retracted the figures." in page
    desk = client.get("/desk/").content.decode()  # in "sent back to me", with the reason
    assert "Withdrawn by bob:" in desk and "Our source retracted the figures." in desk


def test_a_withdraw_without_a_reason_is_refused(client, alice, bob, carol, newsletter) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=carol
    )
    client.force_login(bob)
    page = client.get(f"/desk/stories/{story.pk}/").content.decode()
    assert "Why withdraw it?" in page
    response = act(client, story, "withdraw", reason="  ")
    assert "Say why you withdraw it: the author sees your reason." in response.content.decode()
    assert_unchanged(story, Status.PUBLISHED, 2)


def test_an_editor_recalls_her_own_story_from_review(client, in_review: Story, alice) -> None:
    client.force_login(alice)
    page = client.get(f"/desk/stories/{in_review.pk}/").content.decode()
    assert "Recall to draft" in page
    response = act(client, in_review, "recall")
    assert "Recalled: the story is a draft again." in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT
    row = in_review.transitions.first()
    assert (row.transition, row.from_status, row.to_status, row.by) == (
        "recall",
        Status.REVIEW,
        Status.DRAFT,
        alice,
    )


def test_nobody_recalls_another_authors_story(client, in_review: Story, erin, bob) -> None:
    for user in (erin, bob):
        client.force_login(user)
        page = client.get(f"/desk/stories/{in_review.pk}/").content.decode()
        assert "Recall to draft" not in page
        assert client.post(f"/desk/stories/{in_review.pk}/recall/").status_code == 403
    assert_unchanged(in_review, Status.REVIEW, 1)


def test_a_story_in_a_published_issue_cannot_be_withdrawn(
    client, alice, bob, carol, newsletter
) -> None:
    from newsroom.review.workflow import PUBLISH, SUBMIT, perform

    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=carol
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    perform(issue, SUBMIT, by=alice)
    perform(issue, PUBLISH, by=bob, prepare=factories.small_edition(bob))
    client.force_login(bob)
    response = act(client, story, "withdraw")
    assert "cannot be withdrawn" in response.content.decode()
    assert_unchanged(story, Status.PUBLISHED, 2)
