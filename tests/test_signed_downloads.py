"""Signed download links: one click's worth of access, named in nothing a
reader can read (docs/downloads.md).

A page that shows an issue to its reader may link its PDF by a signed link
(NEWSROOM_SIGNED_LINKS): the link stands in for the session for
NEWSROOM_SIGNED_LINK_SECONDS (a minute by default), so a reader who loses
access loses every link within that time; with
NEWSROOM_SIGNED_LINK_CHECKS_GRANT the reader's grant is asked as well, and
access ends at once. Dave subscribes to the ICT newsletter; Frank is a
stranger who found one of Dave's links.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from issues.models.editions import Edition
from issues.models.reach import DownloadCount
from issues.readers import downloads
from newsroom import roles
from newsroom.models import Newsletter
from tests.issue_helpers import publish

# Every instant of these tests derives from this one: links are made and
# followed on a frozen clock.
MADE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(MADE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def issue(clock: Any, newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


def latest(issue: Issue) -> Edition:
    edition = Issue.objects.get(pk=issue.pk).latest_edition
    assert edition is not None
    return edition


def download(link: str) -> tuple[int, bytes]:
    response = Client().get(link)
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.status_code, response.content


def link_counts() -> list[tuple[object, ...]]:
    return list(DownloadCount.objects.values_list("user", "channel", "count"))


def token_of(link: str) -> str:
    return link.removeprefix("/issues/download/").removesuffix(".pdf")


def test_a_link_names_nothing_a_reader_can_read(issue: Issue, dave: User) -> None:
    edition = latest(issue)
    token = token_of(downloads.signed_pdf_url(issue, dave.pk))
    opened = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    for secret in (str(edition.pdf_file.name), edition.pdf_sha256, "ict", "7.pdf"):
        assert secret not in token
        assert secret.encode() not in opened
    # Nor the ids: the payload is encrypted, not only signed.
    assert f"[{edition.pk}, {dave.pk}]".encode() not in opened
    assert f"[{edition.pk},{dave.pk}]".encode() not in opened
    # Two links for the same click are not the same text.
    assert token != token_of(downloads.signed_pdf_url(issue, dave.pk))


def test_a_link_serves_the_edition_for_a_minute_by_default_and_counts_its_reader(
    clock: Any, issue: Issue, dave: User, settings: Any
) -> None:
    assert settings.NEWSROOM_SIGNED_LINK_SECONDS == 60
    link = downloads.signed_pdf_url(issue, dave.pk)
    with latest(issue).pdf_file.open("rb") as stored:
        pdf = stored.read()

    clock.shift(59)
    assert download(link) == (200, pdf)
    assert link_counts() == [(dave.pk, "link", 1)]

    clock.shift(2)
    expired = Client().get(link)
    # Past its minute the link only points at the ordinary download, which
    # asks who is there: a stranger holding it is not counted as Dave.
    assert expired.status_code == 302
    assert expired["Location"] == reverse("issues:issue_pdf", args=["ict", 7])
    assert Client().get(expired["Location"]).status_code == 302  # to the login page
    assert link_counts() == [(dave.pk, "link", 1)]


def test_the_lifetime_is_a_setting(clock: Any, issue: Issue, dave: User, settings: Any) -> None:
    settings.NEWSROOM_SIGNED_LINK_SECONDS = 600
    link = downloads.signed_pdf_url(issue, dave.pk)

    clock.shift(599)
    assert download(link)[0] == 200
    clock.shift(2)
    assert download(link)[0] == 302


def leave_subscribers(user: User) -> None:
    user.groups.remove(Group.objects.get(name=roles.SUBSCRIBERS))


def deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def unsubscribe(user: User) -> None:
    user.subscriptions.all().delete()


def lapse(user: User) -> None:
    """The subscription's last day was yesterday (issues/readers/lapsing.py)."""
    user.subscriptions.update(ends_on=MADE.date() - dt.timedelta(days=1))


LOSSES = [leave_subscribers, deactivate, unsubscribe, lapse]


@pytest.mark.parametrize("lose_access", LOSSES, ids=lambda f: f.__name__)
def test_by_default_a_reader_who_loses_access_loses_every_link_within_its_lifetime(
    clock: Any, issue: Issue, dave: User, lose_access: Any
) -> None:
    link = downloads.signed_pdf_url(issue, dave.pk)
    lose_access(dave)

    # The stateless link was the permission when the page was shown...
    assert download(link)[0] == 200
    # ...and no longer than its minute.
    clock.shift(61)
    assert download(link)[0] == 302
    assert link_counts() == [(dave.pk, "link", 1)]


@pytest.mark.parametrize("lose_access", LOSSES, ids=lambda f: f.__name__)
def test_with_the_grant_check_a_reader_who_loses_access_loses_every_link_at_once(
    issue: Issue, dave: User, settings: Any, lose_access: Any
) -> None:
    settings.NEWSROOM_SIGNED_LINK_CHECKS_GRANT = True
    link = downloads.signed_pdf_url(issue, dave.pk)
    assert download(link)[0] == 200

    lose_access(dave)

    status, body = download(link)
    assert status == 404 and b"%PDF" not in body
    assert link_counts() == [(dave.pk, "link", 1)]


def test_the_grant_check_is_one_query_more(issue: Issue, dave: User, settings: Any) -> None:
    link = downloads.signed_pdf_url(issue, dave.pk)

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert download(link)[0] == 200
        return [
            q["sql"]
            for q in queries.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL"))
        ]

    stateless = statements()
    settings.NEWSROOM_SIGNED_LINK_CHECKS_GRANT = True
    checked = statements()

    assert len(checked) == len(stateless) + 1
    grant = next(sql for sql in checked if sql not in stateless)
    assert "issues_subscription" in grant and "auth_user_groups" in grant
    assert "auth_permission" not in grant


def test_the_grant_check_lets_the_desk_through_by_its_role(
    issue: Issue, alice: User, settings: Any
) -> None:
    settings.NEWSROOM_SIGNED_LINK_CHECKS_GRANT = True
    assert download(downloads.signed_pdf_url(issue, alice.pk))[0] == 200


def test_an_altered_or_foreign_link_is_a_404(issue: Issue, dave: User, settings: Any) -> None:
    token = token_of(downloads.signed_pdf_url(issue, dave.pk))
    previous_key = settings.SECRET_KEY
    settings.SECRET_KEY = "someone-elses-key-" + "x" * 40
    foreign = downloads.signed_pdf_url(issue, dave.pk)
    settings.SECRET_KEY_FALLBACKS = []

    assert download(foreign)[0] == 200  # made with the key in use
    for altered in (token[:-4] + "AAAA", token[:20] + token[21:], "x" * len(token)):
        assert download(reverse("issues:signed_pdf", args=[altered]))[0] == 404
    # Made with the previous key: works while that key is a fallback.
    old = reverse("issues:signed_pdf", args=[token])
    assert download(old)[0] == 404
    settings.SECRET_KEY_FALLBACKS = [previous_key]
    assert download(old)[0] == 200
