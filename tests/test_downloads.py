"""Reading and downloading a published issue: stored bytes, never a re-render."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from newsroom.models import Newsletter, Story
from tests.issue_helpers import publish


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(
        newsletter,
        editor=alice,
        reviewer=bob,
        headlines=("Port Avel lays a second harbour cable", "Lowmarsh opens a chip school"),
        number=7,
    )


def pdf_url(issue: Issue) -> str:
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


def stored_pdf(issue: Issue) -> bytes:
    with issue.latest_edition.pdf_file.open("rb") as f:
        return f.read()


def test_the_pdf_is_the_stored_artifact_with_download_headers(
    client: Client, dave: User, issue: Issue
) -> None:
    client.force_login(dave)
    with (
        mock.patch("issues.rendering.documents.render_pdf") as render_pdf,
        mock.patch("issues.rendering.documents.render_html") as render_html,
    ):
        response = client.get(pdf_url(issue))
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    render_pdf.assert_not_called()
    render_html.assert_not_called()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert response["Content-Length"] == str(issue.latest_edition.pdf_size) == str(len(body))
    assert response["ETag"] == f'"{issue.latest_edition.pdf_sha256}"'
    assert "private" in response["Cache-Control"]
    assert body == stored_pdf(issue)
    assert hashlib.sha256(body).hexdigest() == issue.latest_edition.pdf_sha256
    assert body.startswith(b"%PDF-")

    head = client.head(pdf_url(issue))
    assert head.status_code == 200
    assert head["Content-Length"] == str(issue.latest_edition.pdf_size)
    assert head["ETag"] == f'"{issue.latest_edition.pdf_sha256}"'


def test_a_matching_etag_answers_304_only_to_a_reader(
    client: Client, dave: User, issue: Issue
) -> None:
    # Someone who may not read the issue learns nothing from its ETag.
    client.force_login(User.objects.create_user("frank", password="x"))
    guess = client.get(
        pdf_url(issue), headers={"if-none-match": f'"{issue.latest_edition.pdf_sha256}"'}
    )
    assert guess.status_code == 404
    assert "ETag" not in guess

    client.force_login(dave)
    with mock.patch("issues.rendering.documents.render_pdf") as render_pdf:
        response = client.get(
            pdf_url(issue), headers={"if-none-match": f'"{issue.latest_edition.pdf_sha256}"'}
        )
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{issue.latest_edition.pdf_sha256}"'
    render_pdf.assert_not_called()

    stale = client.get(pdf_url(issue), headers={"if-none-match": '"0123"'})
    assert stale.status_code == 200
    assert b"".join(stale.streaming_content) == stored_pdf(issue)


def test_the_reading_page_shows_the_stories_and_the_checksums(
    client: Client, dave: User, issue: Issue
) -> None:
    client.force_login(dave)
    with mock.patch("issues.rendering.documents.render_html") as render_html:
        response = client.get(issue.get_absolute_url())
        stored = client.get(
            reverse("issues:issue_html", args=[issue.newsletter.slug, issue.number])
        )
    render_html.assert_not_called()
    page = response.content.decode()
    assert "Port Avel lays a second harbour cable" in page
    assert page.index("Port Avel lays") < page.index("Lowmarsh opens")
    assert issue.latest_edition.pdf_sha256 in page and issue.latest_edition.html_sha256 in page
    assert pdf_url(issue) in page
    assert stored["Content-Type"] == "text/html; charset=utf-8"
    with issue.latest_edition.html_file.open("rb") as f:
        assert stored.content == f.read()
    assert hashlib.sha256(stored.content).hexdigest() == issue.latest_edition.html_sha256


def test_the_reading_page_sanitises_a_body_that_reached_the_database_unsanitised(
    client: Client, dave: User, issue: Issue
) -> None:
    # Story.save() sanitises; an update() or a restored backup skips it.
    story = issue.ordered_stories()[0]
    Story.objects.filter(pk=story.pk).update(body='<p>Cable news<script>alert("x")</script></p>')
    client.force_login(dave)

    page = client.get(issue.get_absolute_url()).text

    assert "<p>Cable news" in page
    assert "<script>alert" not in page
