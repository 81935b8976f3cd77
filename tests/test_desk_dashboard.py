"""The desk's front page, per role."""

from __future__ import annotations

from django.contrib.auth.models import User

from newsroom.models import Newsletter
from newsroom.review.workflow import REQUEST_CHANGES, Status, perform
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


def test_a_draft_sent_back_shows_under_sent_back_and_not_under_my_drafts(
    client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    factories.make_story(author=alice, newsletter=newsletter, headline="Fresh draft")
    returned = factories.make_story(
        author=alice, newsletter=newsletter, headline="Returned story", status=Status.REVIEW
    )
    perform(returned, REQUEST_CHANGES, by=bob, comment="Cite the ministry.")
    client.force_login(alice)
    page = client.get("/desk/").content.decode()
    sent_back = page.split('id="sent-back"')[1].split('id="my-drafts"')[0]
    my_drafts = page.split('id="my-drafts"')[1].split("</section>")[0]
    assert "Returned story" in sent_back
    assert "Cite the ministry." in sent_back
    assert "Fresh draft" not in sent_back
    assert "Fresh draft" in my_drafts
    assert "Returned story" not in my_drafts
