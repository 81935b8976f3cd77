"""The admin moves stories and issues only through the workflow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from newsroom.models import Newsletter
from newsroom.review.workflow import Status
from tests import factories


@pytest.fixture
def staff_bob(bob: User) -> User:
    bob.is_staff = True
    bob.save()
    return bob


def run_action(client: Client, model: str, action: str, *objects: object) -> object:
    return client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects]},  # type: ignore[attr-defined]
        follow=True,
    )


def test_a_reviewer_approves_stories_with_the_admin_action(
    client: Client, alice: User, staff_bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status=Status.REVIEW)
    client.force_login(staff_bob)

    response = run_action(client, "newsroom_story", "publish", story)

    assert "Publish: 1 done." in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    row = story.transitions.first()
    assert (row.transition, row.by, row.note) == ("publish", staff_bob, "admin action")


def test_the_admin_action_reports_a_refusal_and_changes_nothing(
    client: Client, alice: User, admin_user: User, newsletter: Newsletter
) -> None:
    draft = factories.make_story(author=alice, newsletter=newsletter, headline="Not yet sent")
    client.force_login(admin_user)

    response = run_action(client, "newsroom_story", "publish", draft)

    assert "Not yet sent: This story is draft" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.transitions.count() == 0


def test_withdrawing_in_the_admin_asks_for_the_reason_the_author_reads(
    client: Client, alice: User, staff_bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=staff_bob
    )
    client.force_login(staff_bob)
    changelist = reverse("admin:newsroom_story_changelist")
    chosen = {"action": "withdraw_with_reason", "_selected_action": [story.pk]}

    question = client.post(changelist, chosen)
    assert question.status_code == 200
    assert "Why is this story withdrawn?" in question.content.decode()
    without = client.post(changelist, {**chosen, "post": "yes", "reason": "  "})
    assert "Say why you withdraw it: the author sees your reason." in without.content.decode()
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert not story.transitions.filter(transition="withdraw").exists()

    done = client.post(
        changelist, {**chosen, "post": "yes", "reason": "The figures are disputed."}, follow=True
    )

    assert "Withdraw: 1 done." in done.content.decode()
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    row = story.transitions.get(transition="withdraw")
    assert (row.comment, row.note) == (
        "The figures are disputed.",
        "admin action",
    )
    assert story.sent_back_at == row.at  # "Sent back to me" on the author's dashboard


def test_status_cannot_be_edited_in_the_admin_form(
    client: Client, alice: User, admin_user: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)
    client.force_login(admin_user)
    url = reverse("admin:newsroom_story_change", args=[story.pk])

    client.post(
        url,
        {
            "headline": "Edited in the admin",
            "body": "<p>Still a draft.</p>",
            "source": story.source_id,
            "newsletter": newsletter.pk,
            "author": alice.pk,
            "status": Status.PUBLISHED,
            "loaded_version": story.version,
            "transitions-TOTAL_FORMS": 0,
            "transitions-INITIAL_FORMS": 0,
        },
    )

    story.refresh_from_db()
    assert story.headline == "Edited in the admin"
    assert story.status == Status.DRAFT
    assert story.version == 2


def test_the_admin_submits_issues_through_the_workflow(
    client: Client, alice: User, bob: User, admin_user: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    empty = factories.make_issue(newsletter=newsletter, created_by=alice)
    client.force_login(admin_user)

    response = run_action(client, "issues_issue", "submit", issue, empty)

    issue.refresh_from_db()
    empty.refresh_from_db()
    assert (issue.status, empty.status) == (Status.REVIEW, Status.DRAFT)
    assert "at least one story" in response.content.decode()
    assert issue.transitions.get().by == admin_user


@pytest.mark.parametrize(
    "url",
    [
        "admin:newsroom_story_changelist",
        "admin:newsroom_source_changelist",
        "admin:newsroom_storytransition_changelist",
        "admin:issues_issue_changelist",
        "admin:newsroom_newsletter_changelist",
        "admin:issues_subscription_changelist",
        "admin:issues_delivery_changelist",
        "admin:issues_issuetransition_changelist",
        "admin:newsroom_privateaddresskey_changelist",
    ],
)
def test_every_admin_list_shows_its_rows(
    url: str,
    client: Client,
    admin_user: User,
    alice: User,
    bob: User,
    dave: User,
    newsletter: Newsletter,
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    client.force_login(admin_user)

    response = client.get(reverse(url))

    assert response.status_code == 200
    # Nothing has been published, fed or moved through the workflow yet.
    empty = any(name in url for name in ("delivery", "privateaddresskey", "issuetransition"))
    assert (response.context["cl"].result_count == 0) is empty


def test_the_story_history_is_visible_in_the_admin(
    client: Client, alice: User, admin_user: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, headline="First words")
    story.headline = "Second words"
    story.save()
    client.force_login(admin_user)

    response = client.get(reverse("admin:newsroom_story_history", args=[story.pk]))

    assert response.status_code == 200
    assert "Second words" in response.content.decode()
    assert story.history.count() == 2


def test_the_subscription_list_offers_to_invite_a_subscriber(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)

    response = client.get(reverse("admin:issues_subscription_changelist"))

    assert reverse("issues:invite") in response.content.decode()


def test_a_published_issue_links_its_pdf_through_the_download_view(
    client: Client, alice: User, bob: User, admin_user: User, newsletter: Newsletter
) -> None:
    from issues.publishing.publish import publish_issue
    from newsroom.review.workflow import SUBMIT, perform

    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    perform(issue, SUBMIT, by=alice)
    publish_issue(issue=issue, by=bob)
    client.force_login(admin_user)

    response = client.get(reverse("admin:issues_issue_change", args=[issue.pk]))

    download = reverse("issues:edition_pdf", args=[newsletter.slug, issue.number, 1])
    assert f'href="{download}"' in response.content.decode()
    with pytest.raises(NotImplementedError):
        issue.latest_edition.pdf_file.url  # noqa: B018 - artifacts have no public address


def test_a_published_story_is_read_only_in_the_admin(
    client: Client, alice: User, bob: User, admin_user: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        status=Status.PUBLISHED,
        reviewer=bob,
        headline="Printed as approved",
    )
    client.force_login(admin_user)
    url = reverse("admin:newsroom_story_change", args=[story.pk])

    client.post(
        url,
        {
            "headline": "Quietly rewritten",
            "body": "<p>Changed after approval.</p>",
            "newsletter": newsletter.pk,
            "author": alice.pk,
            "transitions-TOTAL_FORMS": 0,
            "transitions-INITIAL_FORMS": 0,
        },
    )

    story.refresh_from_db()
    assert (story.headline, story.version) == ("Printed as approved", 1)
