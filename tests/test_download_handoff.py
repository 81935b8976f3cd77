"""Downloads handed to the front server, and signed download links.

The permission check stays in Django on every path; only the bytes travel
another way. Dave subscribes to the ICT newsletter; Frank subscribes to nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from issues.models.editions import Edition
from issues.readers import downloads
from newsroom.models import Newsletter
from tests.issue_helpers import make_issue_in_review, publish


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


@pytest.fixture
def frank(db: None) -> User:
    return User.objects.create_user("frank", password="x")


def pdf_url(issue: Issue) -> str:
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


def latest(issue: Issue) -> Edition:
    edition = issue.latest_edition
    assert edition is not None
    return edition


def stored_pdf(issue: Issue) -> bytes:
    with latest(issue).pdf_file.open("rb") as f:
        return f.read()


def test_with_nginx_the_view_checks_and_hands_the_file_to_nginx(
    client: Client, dave: User, frank: User, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "accel"
    settings.NEWSROOM_ACCEL_PREFIX = "/protected-artifacts/"
    client.force_login(dave)

    response = client.get(pdf_url(issue))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-artifacts/{latest(issue).pdf_file.name}"
    assert response["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["ETag"] == f'"{latest(issue).pdf_sha256}"'
    assert response.content == b""
    # The ETag still answers 304 to a reader, and nothing to a stranger.
    again = client.get(pdf_url(issue), headers={"if-none-match": f'"{latest(issue).pdf_sha256}"'})
    assert again.status_code == 304
    assert "X-Accel-Redirect" not in again
    client.force_login(frank)
    stranger = client.get(
        pdf_url(issue), headers={"if-none-match": f'"{latest(issue).pdf_sha256}"'}
    )
    assert stranger.status_code == 404
    assert "X-Accel-Redirect" not in stranger and "ETag" not in stranger


def test_with_x_sendfile_the_header_names_the_stored_file(
    client: Client, dave: User, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "sendfile"
    client.force_login(dave)

    response = client.get(pdf_url(issue))

    path = Path(response["X-Sendfile"])
    assert path.read_bytes() == stored_pdf(issue)
    assert response["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert response.content == b""


def test_a_signed_link_downloads_without_a_session_and_reads_only_the_issue_and_edition(
    client: Client, issue: Issue, dave: User
) -> None:
    link = downloads.signed_pdf_url(issue, dave.pk)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(link)
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    read = " ".join(q["sql"] for q in queries.captured_queries)

    assert "django_session" not in read and "auth_user" not in read
    assert response.status_code == 200
    assert body == stored_pdf(issue)
    assert response["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert "private" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    conditional = client.get(link, headers={"if-none-match": f'"{latest(issue).pdf_sha256}"'})
    assert conditional.status_code == 304


def test_a_download_asks_the_database_only_what_the_check_needs(
    client: Client, issue: Issue, dave: User
) -> None:
    """The download path is the busiest of the site: a signed link reads the
    edition with its issue and counts (no session, no user); a subscriber's
    download reads the session, the user, the edition with its issue through
    their grant, and counts: no permission tables. (On PostgreSQL the grant
    query also sets its plan mode and resets it: statements, no queries of
    tables, left out here; tests/test_compiled_grant.py.)"""

    def statements(url: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert response.status_code == 200
        return [
            q["sql"]
            for q in queries.captured_queries
            if not q["sql"].startswith(
                ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL", "SET plan_cache_mode", "RESET")
            )
        ]

    signed = statements(downloads.signed_pdf_url(issue, dave.pk))
    assert len(signed) == 2, signed
    client.force_login(dave)
    viewed = statements(pdf_url(issue))
    assert len(viewed) == 4, viewed
    assert not any("auth_permission" in sql for sql in viewed)


def test_an_altered_link_is_a_404_and_an_expired_one_asks_who_you_are(
    client: Client, issue: Issue, dave: User, settings: Any
) -> None:
    link = downloads.signed_pdf_url(issue, dave.pk)
    token = link.rsplit("/", 1)[1].removesuffix(".pdf")
    middle = len(token) // 2
    other = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]

    assert client.get(reverse("issues:signed_pdf", args=[other])).status_code == 404
    assert client.get(reverse("issues:signed_pdf", args=[token + "x"])).status_code == 404

    later = time.time() + settings.NEWSROOM_SIGNED_LINK_SECONDS + 5
    with mock.patch("issues.readers.downloads.time.time", return_value=later):
        expired = client.get(link)
    assert expired.status_code == 302
    assert expired["Location"] == pdf_url(issue)
    assert client.get(pdf_url(issue)).status_code == 302  # to the login page


def test_a_link_names_a_published_issue_only(
    client: Client, newsletter: Newsletter, alice: User, bob: User
) -> None:
    draft = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, number=8)

    with pytest.raises(ValueError, match="no edition"):
        downloads.signed_pdf_url(draft, alice.pk)
    # A link of the form links had before they were encrypted.
    token = signing.TimestampSigner(salt=downloads.LINK_SALT).sign_object(draft.pk)
    assert client.get(reverse("issues:signed_pdf", args=[token])).status_code == 404


def test_pages_link_a_reader_to_signed_downloads_when_they_are_on(
    client: Client, dave: User, issue: Issue, settings: Any
) -> None:
    client.force_login(dave)
    assert pdf_url(issue) in client.get(issue.get_absolute_url()).text

    settings.NEWSROOM_SIGNED_LINKS = True
    page = client.get(issue.get_absolute_url()).text
    archive = client.get(reverse("issues:archive")).text

    assert "/issues/download/" in page and pdf_url(issue) not in page
    assert "/issues/download/" in archive
    href = page.split('href="/issues/download/', 1)[1].split('"', 1)[0]
    client.logout()
    response = Client().get(f"/issues/download/{href}")
    assert b"".join(response.streaming_content) == stored_pdf(issue)  # type: ignore[attr-defined]
