"""The desk's front page, per role."""

from __future__ import annotations

from django.contrib.auth.models import User

from issues.models import Newsletter
from newsroom.workflow import Status
from tests import factories


def test_an_editor_sees_her_drafts_and_not_other_peoples(
    client, alice: User, erin: User, newsletter: Newsletter
) -> None:
    factories.make_story(author=alice, newsletter=newsletter, headline="Alice's draft")
    factories.make_story(author=erin, newsletter=newsletter, headline="Erin's draft")
    client.force_login(alice)
    page = client.get("/desk/").content.decode()
    assert "Alice&#x27;s draft" in page
    assert "Erin&#x27;s draft" not in page
    assert "Awaiting my review" not in page  # not a reviewer


def test_a_reviewer_sees_what_awaits_review_but_not_her_own(
    client, alice: User, bob: User, carol: User, newsletter: Newsletter
) -> None:
    factories.make_story(
        author=alice, newsletter=newsletter, headline="Alice submits", status=Status.REVIEW
    )
    factories.make_story(
        author=bob, newsletter=newsletter, headline="Bob submits", status=Status.REVIEW
    )
    client.force_login(bob)
    page = client.get("/desk/").content.decode()
    assert "Awaiting my review" in page
    assert "Alice submits" in page
    assert "Bob submits" not in page


def test_the_dashboard_shows_issues_in_progress_and_recent_stories(
    client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    published = factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Already out",
        status=Status.PUBLISHED,
        reviewer=bob,
    )
    issue = factories.make_issue(
        newsletter=newsletter, created_by=alice, number=7, stories=[published]
    )
    client.force_login(bob)
    page = client.get("/desk/").content.decode()
    assert f'href="/desk/issues/{issue.pk}/">' in page
    assert "no. 7" in page
    assert "Already out" in page
