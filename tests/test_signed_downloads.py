"""Signed download links answered before Django (issues/front_downloads.py).

Requests go through the WSGI application as a server would call it: the
layer in front, and behind it Django's own handler, which answers whatever
the layer leaves. Dave subscribes to the ICT newsletter.
"""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import downloads
from issues.editions import Edition
from issues.models import Issue
from issues.reach import DownloadCount
from newsroom.models import Newsletter
from tests.issue_helpers import publish
from tests.wsgi_site import Site


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


def latest(issue: Issue) -> Edition:
    edition = Issue.objects.get(pk=issue.pk).latest_edition
    assert edition is not None
    return edition


def stored_pdf(issue: Issue) -> bytes:
    with latest(issue).pdf_file.open("rb") as f:
        return f.read()


def pdf_url(issue: Issue) -> str:
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


def link_counts() -> list[tuple[object, ...]]:
    return list(DownloadCount.objects.values_list("user", "channel", "count"))


def test_a_fresh_link_is_answered_before_django_without_the_database(
    site: Site, issue: Issue, dave: User
) -> None:
    link = downloads.signed_pdf_url(issue, dave.pk)
    edition = latest(issue)

    with CaptureQueriesContext(connection) as queries:
        answer = site.get(link)

    assert not answer.by_django
    assert answer.status == 200
    assert answer.body == stored_pdf(issue)
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Length"] == str(edition.pdf_size)
    assert answer.headers["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert answer.headers["ETag"] == f'"{edition.pdf_sha256}"'
    assert "private" in answer.headers["Cache-Control"]
    assert "no-cache" in answer.headers["Cache-Control"]
    # The headers every answer of the site carries.
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in answer.headers
    assert "Set-Cookie" not in answer.headers
    # Counted for the reader the link names (the test writes at once; a
    # server's workers in bulk), and nothing else asked of the database.
    assert link_counts() == [(dave.pk, "link", 1)]
    asked = [
        q["sql"]
        for q in queries.captured_queries
        if "issues_downloadcount" not in q["sql"]
        and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL"))
    ]
    assert asked == []


def test_it_answers_304_to_the_reader_who_has_the_file_and_counts_nothing(
    site: Site, issue: Issue
) -> None:
    link = downloads.signed_pdf_url(issue)

    answer = site.get(link, if_none_match=f'"{latest(issue).pdf_sha256}"')

    assert not answer.by_django
    assert answer.status == 304
    assert answer.body == b""
    assert link_counts() == []


def test_it_answers_what_the_download_view_answers(site: Site, issue: Issue) -> None:
    link = downloads.signed_pdf_url(issue)
    fast = site.get(link)
    view = Client().get(link)

    assert fast.body == b"".join(view.streaming_content)  # type: ignore[attr-defined]
    # The view also asks search engines not to list the link (the front
    # layer, on its way out, does not).
    assert fast.headers == {k: v for k, v in view.headers.items() if k != "X-Robots-Tag"}


def test_an_altered_or_forged_link_goes_on_to_django_and_is_a_404(
    site: Site, issue: Issue, newsletter: Newsletter, alice: User, bob: User
) -> None:
    link = downloads.signed_pdf_url(issue)
    token = link.removeprefix("/issues/download/").removesuffix(".pdf")
    other = publish(newsletter, editor=alice, reviewer=bob, number=8)
    # A link for another edition's file, signed with another key.
    with mock.patch("django.conf.settings.SECRET_KEY", "someone-elses-key"):
        forged = downloads.signed_pdf_url(other)
    swapped = token[:-1] + ("A" if token[-1] != "A" else "B")

    for path in (f"/issues/download/{token}x.pdf", f"/issues/download/{swapped}.pdf", forged):
        answer = site.get(path)
        assert answer.by_django
        assert answer.status == 404
        assert answer.body != stored_pdf(issue)
    assert link_counts() == []


def test_a_link_for_another_purpose_signed_with_our_key_is_refused(
    site: Site, issue: Issue
) -> None:
    """Only the link salt opens the door: a value our key signed elsewhere
    (an invitation, a password reset) is not a download link."""
    edition = latest(issue)
    named = [issue.pk, edition.pk, edition.pdf_file.name, edition.pdf_sha256, 1, "x.pdf", 0]
    token = signing.TimestampSigner(salt="something.else").sign_object(named, compress=True)

    answer = site.get(f"/issues/download/{token}.pdf")

    assert answer.by_django and answer.status == 404


def test_an_expired_link_goes_on_to_django_which_asks_who_you_are(
    site: Site, issue: Issue, settings: Any
) -> None:
    link = downloads.signed_pdf_url(issue)
    later = time.time() + settings.NEWSROOM_SIGNED_LINK_SECONDS + 5

    with mock.patch("django.core.signing.time.time", return_value=later):
        answer = site.get(link)

    assert answer.by_django
    assert answer.status == 302
    assert answer.headers["Location"] == pdf_url(issue)
    assert link_counts() == []


def test_a_link_that_names_only_the_issue_is_answered_by_django(site: Site, issue: Issue) -> None:
    """Links made before they named an edition still work while fresh."""
    token = signing.TimestampSigner(salt=downloads.LINK_SALT).sign_object(issue.pk)

    answer = site.get(f"/issues/download/{token}.pdf")

    assert answer.by_django
    assert answer.status == 200
    assert answer.body == stored_pdf(issue)


def test_a_head_request_and_a_disallowed_host_are_left_to_django(site: Site, issue: Issue) -> None:
    link = downloads.signed_pdf_url(issue)

    head = site.get(link, method="HEAD")
    stranger = site.get(link, host="evil.example")

    assert head.by_django and head.status == 200
    assert stranger.by_django and stranger.body != stored_pdf(issue)
    # Exactly Django's answer without the layer in front.
    without = Client(raise_request_exception=False).get(link, headers={"host": "evil.example"})
    assert stranger.status == without.status_code >= 400
    assert link_counts() == []


def test_a_link_names_one_edition_and_carries_what_serving_it_needs(
    issue: Issue, dave: User
) -> None:
    """What the reader was given when the page was rendered: a later edition
    (a correction) is the next page's link. A stored edition never changes,
    so what the link carries stays true; the reader it names is whose
    download it counts."""
    edition = latest(issue)
    link = downloads.signed_pdf_url(issue, dave.pk)
    assert downloads.read_link(link.rsplit("/", 1)[1].removesuffix(".pdf")) == (
        downloads.EditionPdf(
            issue_id=issue.pk,
            edition_id=edition.pk,
            name=edition.pdf_file.name,
            sha256=edition.pdf_sha256,
            size=edition.pdf_size,
            filename="ict-2025-11-24.pdf",
            published=int(edition.published_at.timestamp()),
            reader_id=dave.pk,
        ),
        True,
    )


def test_a_file_that_cannot_be_opened_goes_on_to_django(site: Site, issue: Issue) -> None:
    link = downloads.signed_pdf_url(issue)
    stored = latest(issue).pdf_file
    stored.storage.delete(stored.name)

    answer = site.get(link)

    assert answer.by_django  # Django's error page and log
    assert answer.status == 500
    assert link_counts() == []


def test_with_nginx_the_link_is_handed_to_nginx_before_django(
    site: Site, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "accel"
    settings.NEWSROOM_ACCEL_PREFIX = "/protected-artifacts/"

    answer = site.get(downloads.signed_pdf_url(issue))

    assert not answer.by_django
    assert answer.status == 200
    assert (
        answer.headers["X-Accel-Redirect"] == f"/protected-artifacts/{latest(issue).pdf_file.name}"
    )
    assert answer.headers["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert answer.body == b""
    assert link_counts() == [(None, "link", 1)]


def test_with_x_sendfile_the_link_names_the_stored_file(
    site: Site, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "sendfile"

    answer = site.get(downloads.signed_pdf_url(issue))

    assert not answer.by_django
    with open(answer.headers["X-Sendfile"], "rb") as sent:
        assert sent.read() == stored_pdf(issue)


def test_over_plain_http_with_ssl_required_the_reader_is_sent_to_https(
    site: Site, issue: Issue, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    link = downloads.signed_pdf_url(issue)

    answer = Site().get(link)  # the middleware reads its settings when made

    assert answer.status == 301
    assert answer.headers["Location"] == f"https://127.0.0.1{link}"
    assert link_counts() == []
