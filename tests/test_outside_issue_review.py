"""Outside review of a whole issue: the issue preview through a signed link."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from issues.models import Issue
from issues.models.invitations import IssueInvitation, IssueInvitationUse
from newsroom.models import Newsletter, Story
from newsroom.models.comments import Comment
from newsroom.models.invitations import StoryInvitation
from newsroom.models.notices import Notice
from newsroom.review.comments import comment_on_passage, reply
from newsroom.review.invitations import invite
from newsroom.review.workflow import Status
from tests import factories

GUEST = "partner@ngo.example"


@pytest.fixture
def issue(alice: User, bob: User, newsletter: Newsletter) -> Issue:
    stories = [
        factories.make_story(
            author=alice,
            newsletter=newsletter,
            status=Status.PUBLISHED,
            reviewer=bob,
            headline=headline,
            body=f"<p>{body}</p>",
        )
        for headline, body in [
            ("Fibre exchange opens", "Twelve operators signed up on Tuesday."),
            ("Ferry tickets go quantum-safe", "The trial runs for three months."),
        ]
    ]
    return factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories)


@pytest.fixture
def invitation(issue: Issue, bob: User) -> IssueInvitation:
    return invite(IssueInvitation, subject=issue, email=GUEST, by=bob)


def link(invitation: IssueInvitation, pk: int | None = None, token: str | None = None) -> str:
    return f"/review/issue/{pk or invitation.issue_id}/{token or invitation.token()}/"


def test_a_reviewer_invites_someone_to_review_an_issue(
    client, issue, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/issues/{issue.pk}/invite/", {"email": GUEST, "days": "7"})
    invitation = IssueInvitation.objects.get()
    assert (invitation.issue, invitation.invited_by) == (issue, bob)
    (mail,) = mailoutbox
    sent = re.search(r"/review/issue/(\d+)/(\S+)/", mail.body)
    assert mail.to == [GUEST] and sent is not None and sent.group(1) == str(issue.pk)
    assert IssueInvitation.from_token(sent.group(2)) == invitation
    page = client.get(f"/desk/issues/{issue.pk}/").content.decode()
    assert GUEST in page and "Withdraw link" in page


def test_the_outside_reviewer_sees_the_issue_preview(invitation, issue) -> None:
    page = Client().get(link(invitation))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Fibre exchange opens" in text and "Ferry tickets go quantum-safe" in text
    assert [u.action for u in invitation.uses.all()] == ["opened"]


def test_the_outside_reviewer_comments_on_a_story_of_the_issue(invitation, issue) -> None:
    ferry = issue.ordered_stories()[1]
    Client().post(
        link(invitation) + "comment/",
        {"story": ferry.pk, "quote": "three months", "near": "14", "text": "Until when?"},
    )
    thread = Comment.objects.get()
    assert (thread.story, thread.author_email, thread.quote) == (ferry, GUEST, "three months")
    assert invitation.uses.filter(action="commented").count() == 1


def test_a_comment_on_a_story_outside_the_issue_is_refused(invitation, alice, newsletter):
    other = factories.make_story(author=alice, newsletter=newsletter, body="<p>Secret plans.</p>")
    page = Client().post(
        link(invitation) + "comment/",
        {"story": other.pk, "quote": "Secret", "near": "0", "text": "Hm"},
        follow=True,
    )
    assert "Comment on the text shown on this page." in page.content.decode()
    assert "Secret plans" not in page.content.decode()
    assert not Comment.objects.exists()


def test_an_issue_verdict_is_logged_under_their_email(client, invitation, issue, bob) -> None:
    Client().post(link(invitation) + "verdict/", {"verdict": "looks_good", "comment": ""})
    use = IssueInvitationUse.objects.get(action="verdict")
    assert (use.email, use.verdict, use.invitation.issue) == (GUEST, "looks_good", issue)
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT
    client.force_login(bob)
    assert (
        f"<strong>{GUEST}</strong>: Looks good"
        in client.get(f"/desk/issues/{issue.pk}/").content.decode()
    )


def test_a_story_link_means_nothing_on_an_issue_page_and_back(invitation, issue, bob) -> None:
    story = issue.ordered_stories()[0]
    story_invitation = invite(StoryInvitation, subject=story, email=GUEST, by=bob)
    assert Client().get(link(invitation, token=story_invitation.token())).status_code == 400
    assert Client().get(f"/review/story/{story.pk}/{invitation.token()}/").status_code == 400


def test_an_issue_link_on_another_issue_changes_nothing(invitation, alice, newsletter) -> None:
    other = factories.make_issue(newsletter=newsletter, created_by=alice)
    guest = Client()
    assert guest.get(link(invitation, pk=other.pk)).status_code == 403
    response = guest.post(link(invitation, pk=other.pk) + "verdict/", {"verdict": "looks_good"})
    assert response.status_code == 403
    assert not IssueInvitationUse.objects.exists()


def test_a_withdrawn_issue_link_gets_a_clear_page(client, invitation, bob) -> None:
    client.force_login(bob)
    client.post(f"/desk/issues/{invitation.issue_id}/invitations/{invitation.pk}/revoke/")
    page = Client().get(link(invitation))
    assert page.status_code == 410 and "withdrawn" in page.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("dave", 403), ("alice", 403), ("bob", 302)]
)
def test_who_may_invite_to_an_issue(client, issue, dave, alice, bob, who, expected) -> None:
    invitation = invite(IssueInvitation, subject=issue, email=GUEST, by=bob)
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    invited = client.post(f"/desk/issues/{issue.pk}/invite/", {"email": "x@y.example", "days": 7})
    revoked = client.post(f"/desk/issues/{issue.pk}/invitations/{invitation.pk}/revoke/")
    assert (invited.status_code, revoked.status_code) == (expected, expected)
    assert IssueInvitation.objects.count() == (2 if who == "bob" else 1)
    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None) == (who == "bob")
    assert Story.objects.count() == 2


def try_everything(url: str, story: Story) -> list[int]:
    guest = Client()
    comment = {"story": story.pk, "quote": "Twelve", "near": "0", "text": "x"}
    return [
        guest.get(url).status_code,
        guest.post(url + "comment/", comment).status_code,
        guest.post(url + "reply/", {"thread": "1", "text": "x"}).status_code,
        guest.post(url + "verdict/", {"verdict": "looks_good"}).status_code,
    ]


def assert_nothing_changed(issue: Issue) -> None:
    assert not Comment.objects.exists()
    assert not IssueInvitationUse.objects.exists()
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT


def test_an_expired_issue_link_gets_a_clear_page_and_changes_nothing(invitation, issue) -> None:
    IssueInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert try_everything(link(invitation), issue.ordered_stories()[0]) == [410] * 4
    page = Client().get(link(invitation)).content.decode()
    assert "This review link has expired" in page and "Fibre exchange" not in page
    assert_nothing_changed(issue)


def test_a_tampered_issue_link_gets_a_clear_page_and_changes_nothing(invitation, issue) -> None:
    token = invitation.token()
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    story = issue.ordered_stories()[0]
    assert try_everything(link(invitation, token=forged), story) == [400] * 4
    assert try_everything(link(invitation, token="garbage"), story) == [400] * 4
    page = Client().get(link(invitation, token=forged)).content.decode()
    assert "This review link is not valid" in page and "Fibre exchange" not in page
    assert_nothing_changed(issue)


def test_an_issue_link_used_on_another_issue_changes_nothing_at_all(
    invitation, issue, alice, newsletter
) -> None:
    other = factories.make_issue(newsletter=newsletter, created_by=alice)
    assert try_everything(link(invitation, pk=other.pk), issue.ordered_stories()[0]) == [403] * 4
    assert (
        "This link is for something else"
        in Client().get(link(invitation, pk=other.pk)).content.decode()
    )
    assert_nothing_changed(issue)


def test_the_issue_page_shows_the_reviewer_the_open_comments_on_its_stories(
    client, invitation, issue, bob
) -> None:
    ferry = issue.ordered_stories()[1]
    Client().post(
        link(invitation) + "comment/",
        {"story": ferry.pk, "quote": "three months", "near": "14", "text": "Until when?"},
    )
    thread = Comment.objects.get()
    client.force_login(bob)
    page = client.get(f"/desk/issues/{issue.pk}/").content.decode()
    assert "Open comments on these stories" in page
    assert f"/desk/stories/{ferry.pk}/#thread-{thread.pk}" in page
    assert f"<strong>{GUEST}</strong>: Until when?" in page


def test_whoever_invited_hears_of_the_outside_comment(invitation, issue, alice, bob) -> None:
    ferry = issue.ordered_stories()[1]
    Client().post(
        link(invitation) + "comment/",
        {"story": ferry.pk, "quote": "three months", "near": "14", "text": "Until when?"},
    )
    told = sorted(Notice.objects.values_list("email", flat=True))
    assert told == [alice.email, bob.email]  # the author and the inviter, once each


def test_the_outside_reviewer_answers_the_newsroom_in_their_own_thread(
    invitation, issue, alice, bob
) -> None:
    ferry, fibre = issue.ordered_stories()[1], issue.ordered_stories()[0]
    mine = comment_on_passage(ferry, text="Until when?", quote="three months", email=GUEST)
    reply(mine, text="Until March.", by=alice)
    theirs = comment_on_passage(fibre, text="Which operators?", quote="Twelve", by=bob)
    guest = Client()
    page = guest.post(
        link(invitation) + "reply/", {"thread": mine.pk, "text": "Say March 2026."}, follow=True
    ).content.decode()
    assert "your reply is with the newsroom" in page
    assert [r.text for r in mine.replies.all()] == ["Until March.", "Say March 2026."]
    assert mine.replies.last().author_email == GUEST
    assert invitation.uses.filter(action="commented").count() == 1
    # Nobody else's thread, and nothing that is not a thread of this issue.
    for thread in (theirs.pk, mine.replies.first().pk, 2**40, "x"):
        page = guest.post(
            link(invitation) + "reply/", {"thread": thread, "text": "Hm"}, follow=True
        ).content.decode()
        assert "Reply to one of your own comments on this page." in page
    assert not theirs.replies.exists() and mine.replies.count() == 2
    assert "Which operators?" not in page


def test_a_link_to_a_scheduled_issue_says_embargoed_and_closes_at_publication(
    newsletter: Newsletter, alice: User, bob: User, carol: User, settings
) -> None:
    import time_machine

    from issues.publishing.scheduling import schedule_issue
    from tests.issue_helpers import make_issue_in_review

    settings.NEWSROOM_TIME_ZONE = settings.TIME_ZONE = "Europe/Brussels"
    now = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        scheduled = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob)
        invitation = invite(IssueInvitation, subject=scheduled, email=GUEST, by=bob, days=7)
        schedule_issue(issue=scheduled, by=carol, when=now + datetime.timedelta(days=1))
        invitation.refresh_from_db()
        page = Client().get(link(invitation)).content.decode()
    assert "Embargoed until 8 Dec 2026 11:00 Brussels time." in page
    assert "this link works until 8 Dec 2026 11:00 Brussels time" in page
    assert invitation.closes_at() == now + datetime.timedelta(days=1)
    with time_machine.travel(now + datetime.timedelta(days=1, minutes=1), tick=False):
        late = Client().get(link(invitation))
    assert late.status_code == 410
    assert "It was valid until 8 Dec 2026 11:00 Brussels time." in late.content.decode()


def test_a_story_link_under_a_scheduled_issue_closes_at_its_publication(
    newsletter: Newsletter, alice: User, bob: User, carol: User
) -> None:
    import time_machine

    from issues.publishing.scheduling import schedule_issue
    from tests.issue_helpers import make_issue_in_review

    now = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        scheduled = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob)
        story = scheduled.ordered_stories()[0]
        invitation = invite(StoryInvitation, subject=story, email=GUEST, by=bob, days=7)
        schedule_issue(issue=scheduled, by=carol, when=now + datetime.timedelta(hours=5))
        page = Client().get(f"/review/story/{story.pk}/{invitation.token()}/").content.decode()
    assert "Embargoed until 7 Dec 2026 15:00 UTC." in page
    assert StoryInvitation.objects.get().closes_at() == now + datetime.timedelta(hours=5)
    with time_machine.travel(now + datetime.timedelta(hours=6), tick=False):
        late = Client().get(f"/review/story/{story.pk}/{invitation.token()}/")
    assert late.status_code == 410
