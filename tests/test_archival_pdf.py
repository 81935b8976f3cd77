"""A newsletter may ask for archival PDFs: PDF/A-3b, still tagged and
accessible, with the issue's HTML document embedded as its source."""

from __future__ import annotations

import io

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from issues.models import Issue
from issues.rendering import documents
from newsroom.models import Newsletter
from tests.issue_helpers import publish
from tests.pdf_checks import assert_accessible_pdf

HEADLINES = ("Harbour cable lands in Port Avel", "Ferry tickets go quantum-safe")


def xmp(reader: PdfReader) -> bytes:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data()


@pytest.fixture
def archival(client: Client, admin_user: User, newsletter: Newsletter) -> Newsletter:
    """The newsletter, with archival PDFs turned on by staff in the admin."""
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:newsroom_newsletter_change", args=[newsletter.pk]),
        {
            "title": newsletter.title,
            "slug": newsletter.slug,
            "description": newsletter.description,
            "archival_pdf": "on",
            # The newsletter's rhythm is part of its form too.
            "publication_weekday": newsletter.publication_weekday,
            "publication_time": "09:00",
        },
    )
    assert response.status_code == 302
    newsletter.refresh_from_db()
    return newsletter


def test_staff_turn_on_archival_pdfs_for_a_newsletter(
    archival: Newsletter, admin_user: User
) -> None:
    assert archival.archival_pdf
    entry = LogEntry.objects.get(object_id=str(archival.pk), action_flag=CHANGE)
    assert entry.user == admin_user
    assert "Archival PDF" in entry.get_change_message()


def test_an_archival_newsletter_publishes_pdf_a_3b_with_the_html_inside(
    archival: Newsletter, alice: User, bob: User
) -> None:
    issue = publish(archival, editor=alice, reviewer=bob, headlines=HEADLINES, number=7)
    with issue.latest_edition.pdf_file.open("rb") as stored:
        pdf = stored.read()
    with issue.latest_edition.html_file.open("rb") as stored:
        html = stored.read()
    reader = PdfReader(io.BytesIO(pdf))
    metadata = xmp(reader)
    assert b'pdfaid:part="3"' in metadata and b'pdfaid:conformance="B"' in metadata
    assert b'pdfuaid:part="1"' in metadata  # still declared accessible
    assert_accessible_pdf(pdf, headlines=HEADLINES)

    assert reader.attachments == {f"{archival.slug}-0007.html": [html]}
    catalog = reader.trailer["/Root"]
    # WeasyPrint lists the one file specification twice in /AF; one file.
    (spec,) = {entry.idnum: entry.get_object() for entry in catalog["/AF"]}.values()
    assert spec["/AFRelationship"] == "/Source"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/html"
    assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"

    # Archival or not, a re-render gives the same bytes.
    assert documents.render_pdf(issue) == pdf


def test_without_the_option_the_pdf_is_pdf_ua_with_nothing_embedded(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob, headlines=HEADLINES)
    with issue.latest_edition.pdf_file.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    assert reader.attachments == {}
    assert "/AF" not in reader.trailer["/Root"]
    assert b"pdfaid" not in xmp(reader)
