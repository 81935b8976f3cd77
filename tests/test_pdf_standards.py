"""The PDF speaks the standards other people's readers check: one XMP packet
whose one rdf:RDF claims PDF/UA-1 (with the PDF/A extension schema when the
PDF is archival), running heads and footers kept out of the structure tree,
Chinese runs tagged with their language, the issue's title as the one H1,
and typographic dashes (on the issue's page too)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from issues.models import Issue
from issues.publishing.publish import publish_issue
from issues.rendering import documents
from newsroom.models import Newsletter
from newsroom.review.workflow import Status
from newsroom.writing.story_shape import recording_as_printed
from tests import factories
from tests.issue_helpers import make_issue_in_review, pdf_text
from tests.pdf_checks import (
    RDF,
    artifact_text,
    headings_in_reading_order,
    languages,
    page_furniture_text,
    structure_text,
    xmp_packet,
    xmp_rdf_blocks_and_pdfua_part,
)

CHINESE = "中国移动宣布扩建数据中心"
NAME = "李明华"
FILLER = "<p>" + "The harbour authority extended the fibre trunk along the quay. " * 12 + "</p>"
BODY = (
    f"<p>Operators -- led by {NAME} -- said 1--10 million yuan would go to the site "
    f"({CHINESE}).</p>" + FILLER * 8
)


def make_issue(newsletter: Newsletter, editor: User, reviewer: User) -> Issue:
    """Two pages: one long story with a Chinese name and sentence, and dashes."""
    # Several paragraphs, as a back issue printed them (the desk's rule of
    # one paragraph and a list does not bind what was printed).
    with recording_as_printed():
        story = factories.make_story(
            author=editor,
            newsletter=newsletter,
            status=Status.PUBLISHED,
            reviewer=reviewer,
            headline=f"Data centre in {NAME}'s district -- a first",
            body=BODY,
            source=factories.make_source("China Daily"),
        )
    return factories.make_issue(newsletter=newsletter, created_by=editor, stories=[story], number=1)


@pytest.fixture
def pdf(newsletter: Newsletter, alice: User, bob: User) -> bytes:
    return documents.render_pdf(make_issue(newsletter, alice, bob))


@pytest.fixture
def archival_pdf(newsletter: Newsletter, alice: User, bob: User) -> bytes:
    newsletter.archival_pdf = True
    newsletter.save(update_fields=["archival_pdf"])
    return documents.render_pdf(make_issue(newsletter, alice, bob))


def test_the_xmp_is_one_rdf_block_claiming_pdf_ua_1(pdf: bytes) -> None:
    assert xmp_rdf_blocks_and_pdfua_part(xmp_packet(pdf)) == (1, "1")


def test_the_archival_xmp_is_one_rdf_block_with_pdf_a_ua_and_the_extension_schema(
    archival_pdf: bytes,
) -> None:
    packet = xmp_packet(archival_pdf)
    assert xmp_rdf_blocks_and_pdfua_part(packet) == (1, "1")
    body = packet[packet.index(b"<x:xmpmeta") : packet.index(b"</x:xmpmeta>") + 12]
    (rdf,) = ET.fromstring(body).findall(f"{{{RDF}}}RDF")  # noqa: S314 (our own PDF)
    descriptions = rdf.findall(f"{{{RDF}}}Description")
    pdfaid = "{http://www.aiim.org/pdfa/ns/id/}"
    assert any(d.get(f"{pdfaid}part") == "3" for d in descriptions)
    assert any(d.get(f"{pdfaid}conformance") == "B" for d in descriptions)
    # The PDF/A extension schema declares the pdfuaid namespace and its part.
    schema = "{http://www.aiim.org/pdfa/ns/schema#}"
    declared = [
        (
            item.findtext(f"{schema}namespaceURI"),
            item.findtext(f"{schema}prefix"),
            item.findtext(".//{http://www.aiim.org/pdfa/ns/property#}name"),
        )
        for item in rdf.iter(f"{{{RDF}}}li")
        if item.find(f"{schema}namespaceURI") is not None
    ]
    assert declared == [("http://www.aiim.org/pdfua/ns/id/", "pdfuaid", "part")]
    # pypdf's XMP reader sees the document's title in the one packet.
    xmp = PdfReader(io.BytesIO(archival_pdf)).xmp_metadata
    assert xmp is not None and xmp.dc_title and "Information" in xmp.dc_title["x-default"]


def test_running_heads_and_footers_are_artifacts_outside_the_structure_tree(pdf: bytes) -> None:
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 2
    furniture = artifact_text(pdf)
    # Nothing else is left out of the tree: the furniture is all artifacts.
    assert page_furniture_text(pdf) == furniture
    for words in (f"Page 1 of {pages}", f"Page {pages} of {pages}", "(ICT) · 24 - 30 November"):
        assert words in furniture, furniture
    assert furniture.count(settings.NEWSROOM_PUBLISHER) == pages
    content = structure_text(pdf)
    assert "Page 1 of" not in content and settings.NEWSROOM_PUBLISHER not in content
    assert "The harbour authority" in content


def test_chinese_runs_carry_their_language(pdf: bytes) -> None:
    tagged = languages(pdf)
    assert ("zh", NAME) in tagged, tagged
    assert ("zh", CHINESE) in tagged, tagged
    assert {lang for lang, _ in tagged} == {"zh"}  # English needs no mark: it is the document's


def test_the_html_marks_chinese_runs_too(newsletter: Newsletter, alice: User, bob: User) -> None:
    html = documents.render_html(make_issue(newsletter, alice, bob))
    assert f'<span lang="zh" class="cjk-run">{NAME}</span>' in html
    assert f'<span lang="zh">{CHINESE}</span>' in html


def test_the_issue_title_is_the_one_h1_and_the_masthead_word_no_heading(pdf: bytes) -> None:
    (h1,) = headings_in_reading_order(pdf, "/H1")
    assert h1 == "INFORMATION AND COMMUNICATION TECHNOLOGY (ICT) 24 - 30 November 2025 Issue no. 1"
    assert not any(heading == "NEWSLETTER" for heading in headings_in_reading_order(pdf))


def test_double_hyphens_print_as_dashes(pdf: bytes) -> None:
    text = pdf_text(pdf)
    assert "--" not in text
    assert f"Operators — led by {NAME} — said 1–10 million yuan" in " ".join(text.split())
    assert f"Data centre in {NAME}’s district — a first" in headings_in_reading_order(pdf)


def test_the_issue_page_sets_headlines_as_the_pdf_does(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    headline = f"Data centre in {NAME}'s district -- a first"
    issue = make_issue_in_review(
        newsletter=newsletter, editor=alice, reviewer=bob, headlines=(headline,), number=5
    )
    publish_issue(issue=issue, by=bob)
    client.force_login(dave)
    page = client.get(f"/issues/{newsletter.slug}/5/").content.decode()
    assert f'in <span lang="zh" class="cjk-run">{NAME}</span>’s district — a first</h2>' in page
