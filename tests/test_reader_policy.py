"""Every way to read an issue agrees with the reader policy (issues/readers/access.py).

For each persona, each way in (the issue page, its PDF and HTML, a given
edition, the archive, the public feed's link, the private feed and its PDF,
the mail's recipients, a signed link) answers as the policy says: the desk
and staff read every published issue through their role; a subscriber
reads their newsletter's issues through their grant, and only they are
mailed; everyone else reads nothing, and gets the same 404 as for an issue
that does not exist, except a subscriber whose subscription lapsed (its
last day past), who is told so (403, issues/readers/lapsing.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues.models import Delivery, Issue
from issues.publishing import delivery
from issues.readers import access, downloads
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.issue_helpers import make_issue_in_review, publish


@dataclass(frozen=True)
class Persona:
    name: str
    reads: bool  # through a grant or a role
    mailed: bool  # holds the grant
    told_why: bool = False  # refused with a page that says what ended


PERSONAS = [
    Persona("anonymous", reads=False, mailed=False),
    Persona("subscriber", reads=True, mailed=True),
    Persona("subscriber of another newsletter", reads=False, mailed=False),
    Persona("deactivated subscriber", reads=False, mailed=False),
    Persona("subscriber out of the group", reads=False, mailed=False),
    Persona("lapsed subscriber", reads=False, mailed=False, told_why=True),
    Persona("subscriber not yet begun", reads=False, mailed=False, told_why=True),
    Persona("editor", reads=True, mailed=False),
    Persona("reviewer", reads=True, mailed=False),
    Persona("staff", reads=True, mailed=False),
]


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=5)


def account(persona: Persona, newsletter: Newsletter, alice: User, bob: User) -> User | None:
    match persona.name:
        case "anonymous":
            return None
        case "subscriber":
            return factories.make_subscriber("dave", newsletter)
        case "subscriber of another newsletter":
            return factories.make_subscriber("olga", factories.make_newsletter("Energy", "energy"))
        case "deactivated subscriber":
            user = factories.make_subscriber("dora", newsletter)
            user.is_active = False
            user.save(update_fields=["is_active"])
            return user
        case "subscriber out of the group":
            user = factories.make_subscriber("gus", newsletter)
            user.groups.remove(Group.objects.get(name=roles.SUBSCRIBERS))
            return user
        case "lapsed subscriber":
            user = factories.make_subscriber("lena", newsletter)
            yesterday = timezone.localdate() - datetime.timedelta(days=1)
            user.subscriptions.update(ends_on=yesterday)
            return user
        case "subscriber not yet begun":
            user = factories.make_subscriber("nina", newsletter)
            tomorrow = timezone.localdate() + datetime.timedelta(days=1)
            user.subscriptions.update(starts_on=tomorrow)
            return user
        case "editor":
            return alice
        case "reviewer":
            return bob
        case "staff":
            return factories.make_user("stella", is_staff=True)
    raise AssertionError(persona)


def answer(client: Client, path: str) -> int:
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.status_code


def session_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        # As a sign-in made while the account could still sign in: the
        # session outlives a deactivation or a change of role.
        user.is_active, was_active = True, user.is_active
        client.force_login(user)
        user.is_active = was_active
    return client


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.name)
def test_every_way_to_read_an_issue_agrees_with_the_policy(
    persona: Persona, issue: Issue, newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.NEWSROOM_SIGNED_LINKS = True
    settings.NEWSROOM_SIGNED_LINK_CHECKS_GRANT = True
    user = account(persona, newsletter, alice, bob)
    client = session_for(user)
    slug, number = newsletter.slug, issue.number
    granted = 200 if persona.reads else 404
    # Strangers (and a deactivated account's session, which Django no longer
    # honours) are asked to sign in; signed-in readers without access get 404.
    refused = 302 if user is None or not user.is_active else 403 if persona.told_why else 404
    expected = 200 if persona.reads else refused

    # The policy itself.
    as_user = user or AnonymousUser()
    assert access.may_read(as_user, issue) is persona.reads
    assert access.readable_issues(as_user).filter(pk=issue.pk).exists() is persona.reads

    # The site, with a session.
    assert answer(client, issue.get_absolute_url()) == expected
    if persona.told_why:
        why = client.get(issue.get_absolute_url()).text
        assert f"Your subscription to {newsletter.title}" in why
        assert "ended on" in why or "starts on" in why
    assert answer(client, reverse("issues:issue_pdf", args=[slug, number])) == expected
    assert answer(client, reverse("issues:issue_html", args=[slug, number])) == expected
    assert answer(client, reverse("issues:edition_pdf", args=[slug, number, 1])) == expected
    assert answer(client, reverse("issues:edition_html", args=[slug, number, 1])) == expected
    archive = client.get(reverse("issues:archive"))
    assert (issue.get_absolute_url() in archive.text) is persona.reads

    # The public feed lists the issue for anyone; what it links to asks.
    feed = Client().get(reverse("issues:feed", args=[slug])).text
    assert issue.get_absolute_url() in feed and ".pdf" not in feed
    assert answer(client, issue.get_absolute_url()) == expected

    # The private feed and its PDF, by the persona's key (no session).
    if user is not None:
        key = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=user).key
        private_feed = reverse("issues:private_feed", args=[key, slug])
        private_pdf = reverse("issues:private_pdf", args=[key, slug, number])
        assert answer(Client(), private_feed) == granted
        assert answer(Client(), private_pdf) == (403 if persona.told_why else granted)

    # Mail: readers with the grant, whether planned now or owed from before.
    recipients = set(delivery.readers_of(newsletter))
    assert (user in recipients) is persona.mailed
    if user is not None:
        Delivery.objects.get_or_create(issue=issue, user=user)
        assert delivery.owed(issue).filter(user=user).exists() is persona.mailed

    # A signed link: on the pages only for readers, and asked again when used.
    page = client.get(issue.get_absolute_url()).text
    assert ("/issues/download/" in page) is persona.reads
    if user is not None:
        link = downloads.signed_pdf_url(issue, user.pk)
        assert answer(Client(), link) == granted


def test_an_issue_not_yet_published_has_no_reader_not_even_the_desk(
    newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    draft = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, number=6)

    for user in (dave, alice, bob):
        assert not access.may_read(user, draft)
        assert not access.readable_issues(user).filter(pk=draft.pk).exists()
        assert answer(session_for(user), reverse("issues:issue_detail", args=["ict", 6])) == 404
