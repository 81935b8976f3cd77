"""A subscriber's PDF download answered before Django (issues/front_downloads.py).

Requests go through the WSGI application as a server would call it: the
layer in front, and behind it Django's own handler, which answers whatever
the layer leaves. The layer must give exactly the view's answer, to exactly
the readers the view would give it to; everyone else is the view's. Dave
subscribes to the ICT newsletter. (Signed links: tests/test_signed_downloads.py.)
"""

from __future__ import annotations

import datetime
from itertools import product
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from issues import views
from issues.editions import Edition
from issues.front_downloads import EDITION_FIELDS, SubscriberEditions
from issues.models import Issue, Subscription
from issues.reach import DownloadCount
from newsroom import roles
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish
from tests.wsgi_site import Answer, Site, served


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


def session_of(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def pdf_url(issue: Issue, edition: int | None = None) -> str:
    args: list[object] = [issue.newsletter.slug, issue.number]
    if edition is None:
        return reverse("issues:issue_pdf", args=args)
    return reverse("issues:edition_pdf", args=[*args, edition])


def stored_pdf(issue: Issue) -> bytes:
    edition = Issue.objects.get(pk=issue.pk).latest_edition
    assert edition is not None
    with edition.pdf_file.open("rb") as f:
        return f.read()


def assert_file_from_django(answer: Answer, issue: Issue) -> None:
    assert answer.by_django
    assert answer.status == 200
    assert answer.body == stored_pdf(issue)


def assert_sent_to_sign_in(answer: Answer) -> None:
    assert answer.by_django
    assert answer.status == 302
    assert answer.headers["Location"].startswith(reverse("login"))


def counts() -> list[tuple[object, ...]]:
    return list(DownloadCount.objects.values_list("user", "channel", "count"))


def test_a_subscribers_download_is_answered_before_django_in_two_queries(
    site: Site, issue: Issue, dave: User
) -> None:
    cookie = session_of(dave)
    site.get(pdf_url(issue), cookie=cookie)  # the first prepares them on PostgreSQL

    with CaptureQueriesContext(connection) as queries:
        answer = site.get(pdf_url(issue), cookie=cookie)

    assert not answer.by_django
    assert answer.status == 200
    assert answer.body == stored_pdf(issue)
    assert answer.headers["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert "Set-Cookie" not in answer.headers
    assert counts() == [(dave.pk, "site", 2)]
    asked = [
        q["sql"]
        for q in queries.captured_queries
        if "issues_downloadcount" not in q["sql"]
        and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL"))
    ]
    # The session, then the account, its grant and the edition together:
    # on PostgreSQL as statements prepared on the connection.
    assert len(asked) == 2
    if connection.vendor == "postgresql":
        assert all(sql.startswith("EXECUTE newsroom_") for sql in asked)
        assert asked[0] != asked[1]
    else:
        assert "django_session" in asked[0]
        assert "auth_user" in asked[1] and "issues_edition" in asked[1]


@pytest.mark.parametrize("edition", [None, 1])
def test_it_answers_exactly_what_the_download_view_answers(
    site: Site, issue: Issue, dave: User, edition: int | None
) -> None:
    cookie = session_of(dave)
    url = pdf_url(issue, edition)

    fast = site.get(url, cookie=cookie)
    view = Client(headers={"cookie": cookie}).get(url)

    assert not fast.by_django
    assert fast.status == view.status_code == 200
    assert fast.body == b"".join(view.streaming_content)  # type: ignore[attr-defined]
    assert fast.headers == dict(view.headers)


def test_the_reader_who_has_the_file_gets_304_and_nothing_is_counted(
    site: Site, issue: Issue, dave: User
) -> None:
    etag = f'"{Edition.objects.get(issue=issue).pdf_sha256}"'

    answer = site.get(pdf_url(issue), cookie=session_of(dave), if_none_match=etag)

    assert not answer.by_django
    assert answer.status == 304
    assert answer.body == b""
    assert counts() == []


def test_without_a_session_django_sends_the_reader_to_sign_in(site: Site, issue: Issue) -> None:
    for cookie in ("", "sessionid=not-a-session", "sessionid="):
        answer = site.get(pdf_url(issue), cookie=cookie)
        assert_sent_to_sign_in(answer)
    assert counts() == []


def test_the_desk_and_staff_are_answered_by_the_view(
    site: Site, issue: Issue, alice: User, admin_user: User
) -> None:
    """Their access is a role, not a grant: the view asks it."""
    for user in (alice, admin_user):
        answer = site.get(pdf_url(issue), cookie=session_of(user))
        assert_file_from_django(answer, issue)


def test_a_reader_without_the_grant_gets_the_views_404(
    site: Site, issue: Issue, dave: User
) -> None:
    other = factories.make_subscriber("erika", factories.make_newsletter("Energy", "energy"))
    no_role = factories.make_user("frank")
    Subscription.objects.create(user=no_role, newsletter=issue.newsletter)

    for user in (other, no_role):
        answer = site.get(pdf_url(issue), cookie=session_of(user))
        assert answer.by_django and answer.status == 404
    # A subscriber's address for an issue or edition that does not exist.
    for url in (pdf_url(issue, 2), reverse("issues:issue_pdf", args=["ict", 99])):
        answer = site.get(url, cookie=session_of(dave))
        assert answer.by_django and answer.status == 404
    assert counts() == []


def test_access_taken_away_is_noticed_at_the_next_download(
    site: Site, issue: Issue, dave: User
) -> None:
    cookie = session_of(dave)
    assert not site.get(pdf_url(issue), cookie=cookie).by_django

    dave.groups.remove(Group.objects.get(name=roles.SUBSCRIBERS))
    out_of_the_group = site.get(pdf_url(issue), cookie=cookie)
    dave.groups.add(Group.objects.get(name=roles.SUBSCRIBERS))
    dave.subscriptions.all().delete()  # type: ignore[attr-defined]
    unsubscribed = site.get(pdf_url(issue), cookie=cookie)

    assert out_of_the_group.by_django and out_of_the_group.status == 404
    assert unsubscribed.by_django and unsubscribed.status == 404


def test_a_session_django_would_refuse_is_the_views_to_answer(
    site: Site, issue: Issue, dave: User
) -> None:
    """A deactivated account, or a password changed since signing in (every
    other session of the account ends): Django sends the reader to sign in."""
    cookie = session_of(dave)
    dave.set_password("a-new-password")
    dave.save()
    changed = site.get(pdf_url(issue), cookie=cookie)

    cookie = session_of(dave)
    User.objects.filter(pk=dave.pk).update(is_active=False)
    inactive = site.get(pdf_url(issue), cookie=cookie)

    for answer in (changed, inactive):
        assert_sent_to_sign_in(answer)
    assert counts() == []


def test_a_session_signed_with_a_fallback_secret_is_left_to_django(
    site: Site, issue: Issue, dave: User, settings: Any
) -> None:
    """After a key rotation Django accepts the old hash and rewrites the
    session; only Django does that."""
    cookie = session_of(dave)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-rotated-key-" + "x" * 40

    answer = site.get(pdf_url(issue), cookie=cookie)

    assert_file_from_django(answer, issue)


def test_a_head_request_and_a_file_that_cannot_be_opened_go_on_to_django(
    site: Site, issue: Issue, dave: User
) -> None:
    cookie = session_of(dave)
    head = site.get(pdf_url(issue), method="HEAD", cookie=cookie)
    stored = Edition.objects.get(issue=issue).pdf_file
    stored.storage.delete(stored.name)
    missing = site.get(pdf_url(issue), cookie=cookie)

    assert head.by_django and head.status == 200
    assert missing.by_django and missing.status == 500
    assert counts() == []


def test_the_compiled_query_answers_as_the_queryset_it_was_compiled_from(
    issue: Issue, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    """For every kind of reader, address and edition, the SQL compiled once
    with stand-in values gives what the queryset gives with the real ones."""
    publish(newsletter, editor=alice, reviewer=bob, number=8)
    other = factories.make_subscriber("erika", factories.make_newsletter("Energy", "energy"))
    inactive = factories.make_subscriber("gina", newsletter)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    compiled = SubscriberEditions()
    readers = (dave, other, inactive, alice)

    granted = 0
    for reader, number, slug, edition in product(
        readers, (7, 8, 9), ("ict", "energy"), (None, 1, 2)
    ):
        expected = (
            views.subscriber_editions(slug, number, reader.pk, edition)
            .values_list(*EDITION_FIELDS)
            .first()
        )
        found = compiled.first(reader_id=reader.pk, newsletter=slug, number=number, edition=edition)
        if expected is None:
            assert found is None
        else:
            assert found == dict(zip(EDITION_FIELDS, expected, strict=True))
            granted += 1
    # Dave: issues 7 and 8, latest and edition 1; the inactive account's
    # grant is found, without its password.
    assert granted == 8


def test_an_expired_session_is_the_views_to_answer(site: Site, issue: Issue, dave: User) -> None:
    cookie = session_of(dave)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    answer = site.get(pdf_url(issue), cookie=cookie)

    assert answer.by_django
    assert answer.status == 302
    assert counts() == []


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.cached_db", "django.contrib.sessions.backends.cache"],
)
def test_sessions_kept_elsewhere_are_read_through_their_engine(
    issue: Issue, dave: User, settings: Any, engine: str
) -> None:
    settings.SESSION_ENGINE = engine
    cookie = session_of(dave)

    with served() as site:  # the layer finds the engine when made
        answer = site.get(pdf_url(issue), cookie=cookie)

    assert not answer.by_django
    assert answer.status == 200
    assert answer.body == stored_pdf(issue)


def test_with_sessions_renewed_on_every_answer_django_answers(
    site: Site, issue: Issue, dave: User, settings: Any
) -> None:
    settings.SESSION_SAVE_EVERY_REQUEST = True

    answer = site.get(pdf_url(issue), cookie=session_of(dave))

    assert answer.by_django
    assert answer.status == 200
    assert "sessionid" in answer.headers["Set-Cookie"]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_statements_the_connection_lost_are_prepared_again(
    newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    """A pooler or a DISCARD may drop a connection's prepared statements: the
    download that finds them gone is the view's, the next one prepares them
    again."""
    issue = publish(newsletter, editor=alice, reviewer=bob, number=7)
    cookie = session_of(dave)
    site = Site()
    assert not site.get(pdf_url(issue), cookie=cookie).by_django
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        assert sum(name.startswith("newsroom_") for (name,) in cursor.fetchall()) >= 2
        cursor.execute("DEALLOCATE ALL")

    lost = site.get(pdf_url(issue), cookie=cookie)
    again = site.get(pdf_url(issue), cookie=cookie)

    assert lost.by_django and lost.status == 200
    assert not again.by_django and again.status == 200
    assert again.body == stored_pdf(issue)


def test_without_prepared_statements_the_queries_are_sent_whole(
    site: Site, issue: Issue, dave: User, settings: Any
) -> None:
    settings.NEWSROOM_PREPARED_STATEMENTS = False
    cookie = session_of(dave)

    with CaptureQueriesContext(connection) as queries:
        answer = site.get(pdf_url(issue), cookie=cookie)

    assert not answer.by_django and answer.status == 200
    assert not any("EXECUTE" in q["sql"] or "PREPARE" in q["sql"] for q in queries.captured_queries)
