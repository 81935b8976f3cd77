"""Who gets what from every address the review feature added (#13).

The desk's comment, reply and resolve forms; inviting outside reviewers to a
story or an issue and withdrawing their links; the outside reviewer's pages.
Every persona asks every address; the answers are collected and compared
with the expected table at once, so a failure shows every wrong cell.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from issues.models.invitations import IssueInvitation
from newsroom.models import Newsletter
from newsroom.models.comments import Comment
from newsroom.models.invitations import StoryInvitation
from newsroom.review.comments import comment_on_passage
from newsroom.review.invitations import invite
from newsroom.review.workflow import Status
from tests import factories

PERSONAS = ["anonymous", "dave", "sam", "alice", "erin", "bob", "carol"]
# anonymous: nobody; dave subscribes; sam is staff with no desk role; alice
# wrote the story, erin is another editor; bob started the thread and
# invited the outside reviewer, carol is another reviewer.
LOGIN, DONE, FORBIDDEN, NOT_POST, OK = 302, 302, 403, 405, 200
GUEST = "expert@partner.example"
BODY = "<p>Exports of cloud services rose 40% in a year, the ministry said on Monday.</p>"


def row(anonymous: int, outsiders: int, alice: int, erin: int, reviewers: int) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "dave": outsiders,
        "sam": outsiders,
        "alice": alice,
        "erin": erin,
        "bob": reviewers,
        "carol": reviewers,
    }


DESK_USERS = row(LOGIN, FORBIDDEN, DONE, DONE, DONE)
RESOLVERS = row(LOGIN, FORBIDDEN, DONE, FORBIDDEN, DONE)
REVIEWERS = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, DONE)
DESK_GET = row(LOGIN, FORBIDDEN, NOT_POST, NOT_POST, NOT_POST)
REVIEWER_GET = row(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_POST)
# The signed link is the credential: a session makes no difference.
ALL = {status: dict.fromkeys(PERSONAS, status) for status in (OK, DONE, 400, 403, 405)}

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/desk/stories/{story}/comments/"): DESK_USERS,
    ("GET", "/desk/stories/{story}/comments/"): DESK_GET,
    ("POST", "/desk/stories/{story}/comments/{thread}/reply/"): DESK_USERS,
    ("GET", "/desk/stories/{story}/comments/{thread}/reply/"): DESK_GET,
    ("POST", "/desk/stories/{story}/comments/{thread}/resolve/"): RESOLVERS,
    ("GET", "/desk/stories/{story}/comments/{thread}/resolve/"): DESK_GET,
    ("POST", "/desk/stories/{story}/invite/"): REVIEWERS,
    ("GET", "/desk/stories/{story}/invite/"): REVIEWER_GET,
    # Each persona withdraws a link of its own (the one outside uses stays valid).
    ("POST", "/desk/stories/{story}/invitations/{story_to_revoke}/revoke/"): REVIEWERS,
    ("POST", "/desk/issues/{issue}/invite/"): REVIEWERS,
    ("GET", "/desk/issues/{issue}/invite/"): REVIEWER_GET,
    ("POST", "/desk/issues/{issue}/invitations/{issue_to_revoke}/revoke/"): REVIEWERS,
    ("GET", "/review/story/{story}/{story_token}/"): ALL[OK],
    ("POST", "/review/story/{story}/{story_token}/comment/"): ALL[DONE],
    ("POST", "/review/story/{story}/{story_token}/reply/"): ALL[DONE],
    ("POST", "/review/story/{story}/{story_token}/verdict/"): ALL[DONE],
    ("GET", "/review/story/{story}/{story_token}/verdict/"): ALL[405],
    ("GET", "/review/story/{other_story}/{story_token}/"): ALL[403],
    ("GET", "/review/issue/{issue}/{issue_token}/"): ALL[OK],
    ("POST", "/review/issue/{issue}/{issue_token}/comment/"): ALL[DONE],
    ("POST", "/review/issue/{issue}/{issue_token}/reply/"): ALL[DONE],
    ("POST", "/review/issue/{issue}/{issue_token}/verdict/"): ALL[DONE],
    ("GET", "/review/issue/{issue}/{issue_token}/comment/"): ALL[405],
    ("GET", "/review/issue/{other_issue}/{issue_token}/"): ALL[403],
    ("GET", "/review/issue/{story}/{story_token}/"): ALL[400],
}

FORM = {
    "text": "Which year?",
    "quote": "rose 40%",
    "near": "0",
    "email": "someone@ngo.example",
    "days": "7",
    "verdict": "needs_changes",
    "comment": "The year is missing.",
}


@pytest.mark.django_db
def test_every_review_address_answers_each_persona_as_expected(
    newsletter: Newsletter, alice: User, erin: User, bob: User, carol: User, dave: User
) -> None:
    sam = factories.make_user("sam", is_staff=True)
    story = factories.make_story(
        author=alice, newsletter=newsletter, body=BODY, status=Status.REVIEW
    )
    other_story = factories.make_story(author=alice, newsletter=newsletter, body=BODY)
    approved = factories.make_story(
        author=alice, newsletter=newsletter, body=BODY, status=Status.PUBLISHED, reviewer=carol
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[approved])
    other_issue = factories.make_issue(newsletter=newsletter, created_by=alice)
    thread = comment_on_passage(story, text="Source?", quote="rose 40%", by=bob)
    story_invitation = invite(StoryInvitation, subject=story, email=GUEST, by=bob)
    issue_invitation = invite(IssueInvitation, subject=issue, email=GUEST, by=bob)
    outside_thread = comment_on_passage(story, text="Year?", quote="in a year", email=GUEST)
    on_issue = comment_on_passage(approved, text="Year?", quote="in a year", email=GUEST)
    names = {
        "story": story.pk,
        "other_story": other_story.pk,
        "issue": issue.pk,
        "other_issue": other_issue.pk,
        "thread": thread.pk,
        "story_token": story_invitation.token(),
        "issue_token": issue_invitation.token(),
    }
    users = {u.username: u for u in (dave, sam, alice, erin, bob, carol)}

    actual: dict[tuple[str, str], dict[str, int]] = {}
    for persona in PERSONAS:
        client = Client()
        names["story_to_revoke"] = invite(StoryInvitation, subject=story, email=GUEST, by=bob).pk
        names["issue_to_revoke"] = invite(IssueInvitation, subject=issue, email=GUEST, by=bob).pk
        if persona in users:
            client.force_login(users[persona])
        for method, template in EXPECTED:
            url = template.format(**names)
            if method == "GET":
                response = client.get(url)
            else:
                data = dict(FORM)
                if "/review/" in url and url.endswith("/reply/"):
                    data["thread"] = outside_thread.pk if "story" in url else on_issue.pk
                if "/review/issue/" in url:
                    data["story"] = approved.pk
                response = client.post(url, data)
            actual.setdefault((method, template), {})[persona] = response.status_code
            if response.status_code == LOGIN and persona == "anonymous" and "/desk/" in url:
                assert response["Location"].startswith("/accounts/login/?next=")

    assert actual == EXPECTED
    # Through a link, whoever is signed in writes as the invited address only.
    outside = Comment.objects.filter(author__isnull=True)
    assert set(outside.values_list("author_email", flat=True)) == {GUEST}
    assert not Comment.objects.filter(author=dave).exists()
    assert not Comment.objects.filter(author=sam).exists()
    story_invitation.refresh_from_db()
    issue_invitation.refresh_from_db()
    assert story_invitation.is_active and issue_invitation.is_active
    withdrawn = StoryInvitation.objects.filter(revoked_at__isnull=False)
    assert sorted(withdrawn.values_list("revoked_by__username", flat=True)) == ["bob", "carol"]
