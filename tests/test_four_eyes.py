"""Four eyes, everywhere: no back door through the admin, no approving one's
own text, no moving a published issue."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue, IssueStory, IssueTransition
from newsroom import roles
from newsroom.models import Newsletter, Story, StoryTransition
from newsroom.review.workflow import Status, WorkflowError
from tests import factories
from tests.issue_helpers import make_issue_in_review, publish


@pytest.fixture
def frank(db: None) -> User:
    """Staff, in both Editors and Reviewers."""
    return factories.make_user("frank", roles.EDITORS, roles.REVIEWERS, is_staff=True)


def story_form(story: Story, **fields: object) -> dict[str, object]:
    return {
        "headline": story.headline,
        "body": story.body,
        "source": story.source_id,
        "newsletter": story.newsletter_id,  # type: ignore[attr-defined]
        "original_url": "",
        # The version the admin form was loaded from (a hidden field).
        "loaded_version": story.version,
        "transitions-TOTAL_FORMS": 0,
        "transitions-INITIAL_FORMS": 0,
        **fields,
    }


def test_the_author_cannot_be_changed_in_the_admin_nor_anywhere(
    client: Client, alice: User, frank: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(frank)

    client.post(
        reverse("admin:newsroom_story_change", args=[story.pk]),
        story_form(story, author=frank.pk),
    )

    story.refresh_from_db()
    assert story.author == alice
    story.author = frank
    with pytest.raises(WorkflowError, match="author of a story cannot be changed"):
        story.save()
    assert Story.objects.get(pk=story.pk).author == alice


def test_a_story_added_in_the_admin_is_written_by_whoever_adds_it(
    client: Client, alice: User, frank: User, newsletter: Newsletter
) -> None:
    client.force_login(frank)
    story = factories.make_story(author=frank, newsletter=newsletter)

    client.post(
        reverse("admin:newsroom_story_add"),
        {**story_form(story, headline="Admin-made story"), "author": alice.pk},
    )

    assert Story.objects.get(headline="Admin-made story").author == frank


def test_a_reviewer_cannot_edit_a_draft_in_the_admin(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    bob.is_staff = True
    bob.save()
    draft = factories.make_story(author=alice, newsletter=newsletter, headline="Alice's words")
    client.force_login(bob)

    response = client.post(
        reverse("admin:newsroom_story_change", args=[draft.pk]),
        story_form(draft, headline="Bob's words"),
    )

    assert response.status_code == 403
    draft.refresh_from_db()
    assert (draft.headline, draft.version) == ("Alice's words", 1)


def test_a_reviewer_who_rewrote_a_story_cannot_approve_it(
    client: Client, alice: User, bob: User, carol: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(bob)
    client.post(
        f"/desk/stories/{story.pk}/edit/",
        story_form(
            story,
            headline="Bob's rewrite",
            source=story.source.name,
            new_source="",
            version=story.version,
        ),
    )
    story.refresh_from_db()
    assert (story.headline, story.last_edited_by) == ("Bob's rewrite", bob)
    assert "You edited the current text" in client.get(f"/desk/stories/{story.pk}/review/").text

    response = client.post(f"/desk/stories/{story.pk}/approve/", follow=True)

    assert "another reviewer approves it" in response.text
    story.refresh_from_db()
    assert story.status == Status.REVIEW
    assert not StoryTransition.objects.filter(transition="publish").exists()
    # Another reviewer may.
    client.force_login(carol)
    client.post(f"/desk/stories/{story.pk}/approve/")
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED


def test_an_admin_edit_makes_its_editor_unable_to_approve(
    client: Client, alice: User, frank: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(frank)
    client.post(
        reverse("admin:newsroom_story_change", args=[story.pk]),
        story_form(story, headline="Frank's rewrite"),
    )
    story.refresh_from_db()
    assert (story.headline, story.version, story.last_edited_by) == ("Frank's rewrite", 2, frank)

    client.post(
        reverse("admin:newsroom_story_changelist"),
        {"action": "publish", "_selected_action": [story.pk]},
    )

    story.refresh_from_db()
    assert story.status == Status.REVIEW


def test_a_published_issue_cannot_be_moved_in_the_admin_or_anywhere(
    client: Client, alice: User, bob: User, admin_user: User, newsletter: Newsletter
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    energy = factories.make_newsletter("Energy", "energy")
    client.force_login(admin_user)
    url = reverse("admin:issues_issue_change", args=[issue.pk])
    audit = IssueTransition.objects.count()

    client.post(
        url,
        {
            "newsletter": energy.pk,
            "number": 9,
            "period_start": "2026-01-05",
            "period_end": "2026-01-11",
            "entries-TOTAL_FORMS": 0,
            "entries-INITIAL_FORMS": 0,
        },
    )

    issue = Issue.objects.get(pk=issue.pk)
    assert (issue.newsletter, issue.number) == (newsletter, 3)
    assert IssueTransition.objects.count() == audit
    issue.number = 9
    with pytest.raises(WorkflowError, match="keeps its newsletter, number and period"):
        issue.save()
    entry = issue.entries.get()
    with pytest.raises(WorkflowError, match="only while the issue is a draft"):
        entry.delete()
    assert IssueStory.objects.filter(issue=issue).count() == 1
    assert Issue.objects.get(pk=issue.pk).number == 3


def test_moving_an_issue_before_publication_is_audited(
    client: Client, alice: User, bob: User, admin_user: User, newsletter: Newsletter
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    client.force_login(admin_user)

    client.post(
        reverse("admin:issues_issue_change", args=[issue.pk]),
        {
            "newsletter": newsletter.pk,
            "number": 42,
            "period_start": "2025-11-24",
            "period_end": "2025-11-30",
            "entries-TOTAL_FORMS": 1,
            "entries-INITIAL_FORMS": 1,
            "entries-0-id": issue.entries.get().pk,
            "entries-0-issue": issue.pk,
            "entries-0-position": 1,
            "entries-0-story": issue.entries.get().story_id,
            "editions-TOTAL_FORMS": 0,
            "editions-INITIAL_FORMS": 0,
            "transitions-TOTAL_FORMS": 0,
            "transitions-INITIAL_FORMS": 0,
        },
    )

    issue.refresh_from_db()
    assert issue.number == 42
    change = issue.transitions.get(transition="change")
    assert (change.by, change.from_status, change.to_status) == (admin_user, "review", "review")
    assert change.comment.startswith("number: ") and change.comment.endswith("→ 42")
    assert change.note == "admin edit"
    assert issue.period_start == datetime.date(2025, 11, 24)
