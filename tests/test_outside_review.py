"""Outside reviewers: invited by email, through a signed link, without an account."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from newsroom.models import Newsletter, Story
from newsroom.models.comments import Comment
from newsroom.models.invitations import MAX_DAYS, StoryInvitation, StoryInvitationUse
from newsroom.models.notices import Notice
from newsroom.review.comments import comment_on_passage, reply, resolve
from newsroom.review.invitations import invite
from newsroom.review.workflow import Status
from tests import factories

BODY = "<p>Exports of cloud services rose 40% in a year, the ministry said on Monday.</p>"
GUEST = "expert@partner.example"


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=alice,
        newsletter=newsletter,
        body=BODY,
        headline="Cloud exports",
        status=Status.REVIEW,
    )


@pytest.fixture
def invitation(story: Story, bob: User) -> StoryInvitation:
    return invite(StoryInvitation, subject=story, email=GUEST, by=bob)


def link(invitation: StoryInvitation, pk: int | None = None, token: str | None = None) -> str:
    return f"/review/story/{pk or invitation.story_id}/{token or invitation.token()}/"


def test_a_reviewer_invites_an_outside_reviewer_by_email(
    client, story, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/desk/stories/{story.pk}/invite/",
            {"email": "Expert@Partner.example", "days": "3"},
            follow=True,
        ).content.decode()
    invitation = StoryInvitation.objects.get()
    assert (invitation.email, invitation.invited_by, invitation.story) == (GUEST, bob, story)
    left = invitation.expires_at - timezone.now()
    assert datetime.timedelta(days=2, hours=23) < left <= datetime.timedelta(days=3)
    assert f"Invited {GUEST}" in page
    (mail,) = mailoutbox
    assert mail.to == [GUEST] and "Cloud exports" in mail.subject
    sent = re.search(r"http://127\.0\.0\.1:8000(/review/story/\d+/\S+/)", mail.body)
    assert sent is not None and sent.group(1).startswith(f"/review/story/{story.pk}/")
    token = sent.group(1).split("/")[4]
    assert StoryInvitation.from_token(token) == invitation


@pytest.mark.clock(datetime.datetime(2026, 12, 7, 12, 4, tzinfo=datetime.UTC))
def test_times_in_the_invitation_are_in_the_publishers_zone(
    client, story, bob, mailoutbox, django_capture_on_commit_callbacks, settings
) -> None:
    settings.NEWSROOM_TIME_ZONE = settings.TIME_ZONE = "Europe/Brussels"
    client.force_login(bob)
    sent_at = datetime.datetime(2026, 12, 7, 13, 4, tzinfo=datetime.UTC)
    with time_machine.travel(sent_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/desk/stories/{story.pk}/invite/", {"email": GUEST, "days": "3"}, follow=True
        ).content.decode()
    until = "10 Dec 2026 14:04 Brussels time"  # 13:04 UTC, in Brussels
    assert f"the link works until {until}." in page
    assert f"The link works until {until}." in mailoutbox[0].body
    assert "UTC" not in page and "UTC" not in mailoutbox[0].body


def test_the_default_link_lasts_seven_days(invitation: StoryInvitation) -> None:
    left = invitation.expires_at - timezone.now()
    assert datetime.timedelta(days=6, hours=23) < left <= datetime.timedelta(days=7)


def test_an_invitation_needs_an_address_and_a_sane_expiry(client, story, bob) -> None:
    client.force_login(bob)
    page = client.post(
        f"/desk/stories/{story.pk}/invite/", {"email": "nobody", "days": "400"}, follow=True
    ).content.decode()
    assert "Nobody was invited" in page
    assert not StoryInvitation.objects.exists()


def test_the_outside_reviewer_opens_the_link_without_an_account(invitation, bob) -> None:
    comment_on_passage(
        invitation.story, text="Internal: check the ministry.", quote="ministry", by=bob
    )
    page = Client().get(link(invitation))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cloud exports" in text and f"reviewing as <strong>{GUEST}</strong>" in text
    assert "Internal: check the ministry." not in text  # nobody else's comments
    assert "bob" not in text
    assert [u.action for u in invitation.uses.all()] == ["opened"]


def test_the_outside_reviewer_comments_on_a_passage(invitation, alice) -> None:
    guest = Client()
    response = guest.post(
        link(invitation) + "comment/",
        {"quote": "rose 40%", "near": "30", "text": "The ministry said 42%."},
        follow=True,
    )
    assert "your comment is with the newsroom" in response.content.decode()
    thread = Comment.objects.get()
    assert (thread.author, thread.author_email, thread.quote) == (None, GUEST, "rose 40%")
    assert invitation.uses.filter(action="commented").count() == 1
    assert Notice.objects.filter(email=alice.email, line__contains=GUEST).exists()


def test_an_outside_verdict_is_recorded_under_their_email_and_shown_to_the_reviewer(
    client, invitation, bob
) -> None:
    Client().post(
        link(invitation) + "verdict/", {"verdict": "needs_changes", "comment": "Date is wrong."}
    )
    use = StoryInvitationUse.objects.get(action="verdict")
    assert (use.email, use.verdict, use.comment) == (GUEST, "needs_changes", "Date is wrong.")
    assert Notice.objects.filter(email=bob.email, line__contains="Needs changes").exists()
    invitation.story.refresh_from_db()
    assert invitation.story.status == Status.REVIEW  # the reviewer still decides
    client.force_login(bob)
    page = client.get(f"/desk/stories/{invitation.story_id}/review/").content.decode()
    assert f"<strong>{GUEST}</strong>: Needs changes — “Date is wrong.”" in page


def test_needs_changes_without_a_comment_is_refused(invitation) -> None:
    page = Client().post(
        link(invitation) + "verdict/", {"verdict": "needs_changes", "comment": " "}, follow=True
    )
    assert "Say what needs to change." in page.content.decode()
    assert not StoryInvitationUse.objects.filter(action="verdict").exists()


def assert_nothing_changed(story: Story) -> None:
    assert not Comment.objects.exists()
    assert not StoryInvitationUse.objects.exclude(action="opened").exists()
    story.refresh_from_db()
    assert story.status == Status.REVIEW


def try_everything(url: str) -> list[int]:
    guest = Client()
    return [
        guest.get(url).status_code,
        guest.post(url + "comment/", {"quote": "rose 40%", "near": "0", "text": "x"}).status_code,
        guest.post(url + "reply/", {"thread": "1", "text": "x"}).status_code,
        guest.post(url + "verdict/", {"verdict": "looks_good"}).status_code,
    ]


def test_an_expired_link_gets_a_clear_page_and_changes_nothing(invitation) -> None:
    StoryInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert try_everything(link(invitation)) == [410] * 4
    assert "This review link has expired" in Client().get(link(invitation)).content.decode()
    assert not invitation.uses.exists()
    assert_nothing_changed(invitation.story)


def test_a_revoked_link_gets_a_clear_page_and_changes_nothing(client, invitation, bob) -> None:
    client.force_login(bob)
    client.post(f"/desk/stories/{invitation.story_id}/invitations/{invitation.pk}/revoke/")
    invitation.refresh_from_db()
    assert invitation.revoked_by == bob
    assert try_everything(link(invitation)) == [410] * 4
    assert "This review link was withdrawn" in Client().get(link(invitation)).content.decode()
    assert_nothing_changed(invitation.story)


def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(invitation) -> None:
    token = invitation.token()
    forged = re.sub(r".$", lambda m: "A" if m.group(0) != "A" else "B", token)
    assert try_everything(link(invitation, token=forged)) == [400] * 4
    assert try_everything(link(invitation, token="garbage")) == [400] * 4
    assert_nothing_changed(invitation.story)


def test_a_link_used_on_another_story_gets_a_clear_page_and_changes_nothing(
    invitation, alice, newsletter
) -> None:
    other = factories.make_story(author=alice, newsletter=newsletter, body=BODY)
    assert try_everything(link(invitation, pk=other.pk)) == [403] * 4
    assert (
        "This link is for something else"
        in Client().get(link(invitation, pk=other.pk)).content.decode()
    )
    assert_nothing_changed(invitation.story)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("dave", 403), ("alice", 403), ("bob", 302)],
)
def test_who_may_invite_and_withdraw(client, story, dave, alice, bob, who, expected) -> None:
    invitation = invite(StoryInvitation, subject=story, email=GUEST, by=bob)
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    invited = client.post(f"/desk/stories/{story.pk}/invite/", {"email": "x@y.example", "days": 7})
    revoked = client.post(f"/desk/stories/{story.pk}/invitations/{invitation.pk}/revoke/")
    assert (invited.status_code, revoked.status_code) == (expected, expected)
    invitation.refresh_from_db()
    assert StoryInvitation.objects.count() == (2 if who == "bob" else 1)
    assert (invitation.revoked_at is not None) == (who == "bob")


def test_withdrawing_another_storys_invitation_is_a_404(client, invitation, bob, alice, newsletter):
    other = factories.make_story(author=alice, newsletter=newsletter)
    client.force_login(bob)
    response = client.post(f"/desk/stories/{other.pk}/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_outside_reviewer_sees_their_comment_resolved_with_the_newsrooms_answer(
    invitation, alice
) -> None:
    thread = comment_on_passage(
        invitation.story, text="Which year?", quote="in a year", email=GUEST
    )
    reply(thread, text="Fixed: 2025.", by=alice)
    resolve(thread, by=alice)
    page = Client().get(link(invitation)).content.decode()
    assert "Which year?" in page and "The newsroom:</span> Fixed: 2025." in page
    assert "The newsroom resolved this comment." in page
    assert "alice" not in page


def test_each_use_of_a_link_is_logged_and_each_refusal_too(invitation, caplog) -> None:
    guest = Client()
    with caplog.at_level("INFO", logger="newsroom.review.outside"):
        guest.get(link(invitation))
        guest.post(link(invitation) + "comment/", {"quote": "rose 40%", "text": "Which?"})
        guest.post(link(invitation) + "verdict/", {"verdict": "looks_good"})
        guest.get(link(invitation, token="garbage"))
    assert [u.action for u in invitation.uses.order_by("pk")] == ["opened", "commented", "verdict"]
    assert {u.email for u in invitation.uses.all()} == {GUEST}
    ours = [r for r in caplog.records if r.name == "newsroom.review.outside"]
    used = [r.getMessage() for r in ours if r.levelname == "INFO"]
    assert used == [f"review link used by {GUEST} on story {invitation.story_id}"] * 3
    (refused,) = [r.getMessage() for r in ours if r.levelname == "WARNING"]
    assert refused == f"refused review link (GET) for story {invitation.story_id}:" + (
        " This review link is not valid"
    )


def test_at_the_instant_of_expiry_the_link_is_expired(invitation: StoryInvitation) -> None:
    # `expires_at` is the first instant the link no longer works.
    with time_machine.travel(
        invitation.expires_at - datetime.timedelta(microseconds=1), tick=False
    ):
        assert StoryInvitation.objects.get(pk=invitation.pk).is_active
        assert Client().get(link(invitation)).status_code == 200
    with time_machine.travel(invitation.expires_at, tick=False):
        assert not StoryInvitation.objects.get(pk=invitation.pk).is_active
        response = Client().get(link(invitation))
        assert response.status_code == 410
        assert "This review link has expired" in response.content.decode()
    assert list(invitation.uses.values_list("action", flat=True)) == ["opened"]


@pytest.mark.parametrize("days", [0, MAX_DAYS + 1, 400])
def test_the_service_refuses_a_link_outside_the_day_limit(
    story: Story, bob: User, days: int, mailoutbox: list[object]
) -> None:
    with pytest.raises(ValueError, match=f"Choose between 1 and {MAX_DAYS} days."):
        invite(StoryInvitation, subject=story, email=GUEST, days=days, by=bob)
    assert not StoryInvitation.objects.exists()
    assert not mailoutbox


def test_the_service_allows_the_longest_link(story: Story, bob: User) -> None:
    invitation = invite(StoryInvitation, subject=story, email=GUEST, days=MAX_DAYS, by=bob)
    assert invitation.expires_at - invitation.created_at <= datetime.timedelta(days=MAX_DAYS)
    invitation.full_clean()


def test_the_model_refuses_an_expiry_beyond_the_day_limit(invitation: StoryInvitation) -> None:
    invitation.expires_at = invitation.created_at + datetime.timedelta(days=MAX_DAYS, seconds=1)
    with pytest.raises(ValidationError) as refused:
        invitation.full_clean()
    assert f"A review link lasts from 1 to {MAX_DAYS} days" in str(
        refused.value.message_dict["expires_at"]
    )
    invitation.expires_at = invitation.created_at  # and not one that ends as it starts
    with pytest.raises(ValidationError):
        invitation.full_clean()


def test_the_admin_cannot_stretch_a_link_beyond_the_day_limit(
    client: Client, invitation: StoryInvitation
) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    before = invitation.expires_at
    far = timezone.localtime(invitation.created_at + datetime.timedelta(days=400))
    response = client.post(
        f"/admin/newsroom/storyinvitation/{invitation.pk}/change/",
        {
            "email": invitation.email,
            "story": invitation.story_id,
            "expires_at_0": far.strftime("%Y-%m-%d"),
            "expires_at_1": far.strftime("%H:%M:%S"),
            "revoked_at_0": "",
            "revoked_at_1": "",
            "uses-TOTAL_FORMS": "0",
            "uses-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert f"A review link lasts from 1 to {MAX_DAYS} days" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.expires_at == before


def test_an_overlong_verdict_is_refused_and_nothing_logged(
    invitation: StoryInvitation, mailoutbox: list[object]
) -> None:
    response = Client().post(
        link(invitation) + "verdict/",
        {"verdict": "needs_changes", "comment": "word " * 100_000},
        follow=True,
    )
    assert response.status_code == 200
    assert "Keep a comment under 2000 characters." in response.content.decode()
    assert not invitation.uses.filter(action="verdict").exists()
    assert not mailoutbox
