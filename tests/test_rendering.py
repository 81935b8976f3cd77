"""The renderer: an issue as a self-contained HTML document and a tagged PDF."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from pypdf import PdfReader

from issues.models import Issue
from issues.rendering import documents
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import Status
from newsroom.writing.sanitizing import body_with_source
from tests import factories
from tests.issue_helpers import STORIES, make_published_stories, pdf_text


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    stories = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob)
    return factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories, number=7)


@pytest.fixture
def pdf(issue: Issue) -> bytes:
    return documents.render_pdf(issue)


def test_the_pdf_has_every_headline_paragraph_and_source_in_the_issue_order(pdf: bytes) -> None:
    text = pdf_text(pdf)
    position = 0
    for headline, body, source in STORIES:
        for piece in (headline, body.split(".")[0], f"({source})"):
            found = text.find(piece, position)
            assert found >= position, f"{piece!r} missing or out of order"
            position = found + len(piece)


def test_the_masthead_shows_newsletter_sector_and_period(pdf: bytes) -> None:
    text = pdf_text(pdf)
    assert text.startswith(
        "NEWSLETTER INFORMATION AND COMMUNICATION TECHNOLOGY (ICT) 24 - 30 November 2025"
    )


def test_the_masthead_carries_the_issue_number_after_the_period(pdf: bytes, issue: Issue) -> None:
    assert pdf_text(pdf).startswith(
        "NEWSLETTER INFORMATION AND COMMUNICATION TECHNOLOGY (ICT) 24 - 30 November 2025"
        " Issue no. 7 "
    )
    assert "Issue no. 7" in documents.render_html(issue)


def test_a_one_page_issue_has_one_footer_and_the_html_its_colophon(
    pdf: bytes, issue: Issue
) -> None:
    text = pdf_text(pdf)
    assert text.count(settings.NEWSROOM_PUBLISHER) == 1
    assert text.count("Page 1 of 1") == 1
    html = documents.render_html(issue)
    assert html.count(f"<p>{settings.NEWSROOM_PUBLISHER} · ") == 1  # the HTML export's colophon


def test_straight_quotes_print_as_typographic_quotes_in_pdf_and_html(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        status=Status.PUBLISHED,
        reviewer=bob,
        headline='Mayor calls the cable "a lifeline"',
        body='<p>"It\'s ours," the harbour master said of the '
        "<a href=\"https://example.org/?q='x'\">port's</a> data.</p>",
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])

    html = documents.render_html(issue)
    text = " ".join(pdf_text(documents.render_pdf(issue)).split())

    for document in (html, text):
        assert "Mayor calls the cable “a lifeline”" in document
        assert "“It’s ours,” the harbour master said of the" in document
    assert "port’s</a> data." in html
    assert "https://example.org/?q=&#x27;x&#x27;" in html or "q='x'" in html  # untouched


def test_the_source_closes_the_last_paragraph_in_bold(issue: Issue) -> None:
    html = documents.render_html(issue)
    assert (
        'cut queues at the gate. <span class="source">(<strong>Coastal Ledger</strong>)</span></p>'
    ) in html
    assert html.count('class="source"') == len(STORIES)


@pytest.mark.parametrize(
    ("start", "end", "printed"),
    [
        (datetime.date(2025, 11, 24), datetime.date(2025, 11, 30), "24 - 30 November 2025"),
        (datetime.date(2025, 11, 28), datetime.date(2025, 12, 4), "28 November - 4 December 2025"),
        (
            datetime.date(2025, 12, 29),
            datetime.date(2026, 1, 4),
            "29 December 2025 - 4 January 2026",
        ),
    ],
)
def test_the_period_is_printed_across_months_and_years(
    newsletter: Newsletter, alice: User, start: datetime.date, end: datetime.date, printed: str
) -> None:
    issue = factories.make_issue(
        newsletter=newsletter, created_by=alice, period_start=start, period_end=end
    )
    html = documents.render_html(issue)
    period = re.search(r'<span class="masthead-period">(.*?)</span>', html)
    assert period is not None
    # Two <time> elements, each a valid date (a range is no valid datetime).
    assert re.sub(r"<[^>]+>", "", period.group(1)) == printed
    assert re.findall(r'<time datetime="([^"]+)">', period.group(1)) == [
        start.isoformat(),
        end.isoformat(),
    ]


def test_the_pdf_is_a4_with_page_numbers_bookmarks_and_metadata(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    footer = reader.pages[0].extract_text()
    assert "Page 1 of 1" in footer
    assert footer.count(settings.NEWSROOM_PUBLISHER) == 1  # the page footer, once
    assert [item.title for item in reader.outline] == [s[0] for s in STORIES]
    meta = reader.metadata
    assert (
        meta.title == "Information and Communication Technology (ICT), no. 7: 24 - 30 November 2025"
    )
    assert meta.author == settings.NEWSROOM_PUBLISHER
    assert (
        meta.subject
        == "Information and Communication Technology (ICT) newsletter, 24 - 30 November 2025"
    )
    # An unpublished issue is dated by its period, never by the clock.
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20251130000000Z"


def test_the_pdf_is_tagged_for_accessibility(pdf: bytes) -> None:
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/K"], "the structure tree is empty"
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()


def test_the_fonts_are_embedded(pdf: bytes) -> None:
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        descriptor = (font.get("/DescendantFonts") or [font])[0].get_object()["/FontDescriptor"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font["/BaseFont"]


def test_the_same_issue_renders_to_the_same_bytes_twice(issue: Issue, pdf: bytes) -> None:
    assert documents.render_pdf(issue) == pdf
    assert documents.render_html(issue) == documents.render_html(issue)


@pytest.mark.skipif(
    not shutil.which("fc-list")
    or "CJK" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout,
    reason="no CJK font installed (apt-get install fonts-noto-cjk)",
)
def test_chinese_characters_render_with_a_cjk_font(pdf: bytes) -> None:
    assert "林小红" in pdf_text(pdf)
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    assert any("CJK" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_the_html_is_one_self_contained_document(issue: Issue) -> None:
    html = documents.render_html(issue)
    assert html.startswith("<!doctype html>")
    assert "<style>" in html and "@font-face" in html
    assert "<link" not in html and "src=" not in html
    # Every URL is data: (the typefaces); the print-only GCPM rules stay out.
    assert re.findall(r'url\("([a-z]+):', html) == ["data"] * 7
    assert "@page" not in html and "string-set" not in html
    for headline, _, _ in STORIES:
        assert headline in html


def test_bodies_are_sanitised_again_when_rendered(issue: Issue) -> None:
    # Bypass save(), as a raw SQL import or an old row would.
    story = issue.ordered_stories()[0]
    Story.objects.filter(pk=story.pk).update(
        body='<p onclick="steal()">Calm words<script>alert(1)</script></p>'
    )
    html = documents.render_html(issue)
    assert "Calm words" in html
    assert "<script" not in html and "onclick" not in html


def test_renders_in_one_process_reuse_one_font_configuration_and_stylesheet(
    issue: Issue,
) -> None:
    # What a render worker does for each job: the layout, in process.
    html = documents.render_html(issue)
    documents.html_to_pdf(html)
    with (
        mock.patch.object(documents, "FontConfiguration") as new_fonts,
        mock.patch.object(documents, "CSS") as new_css,
    ):
        assert documents.html_to_pdf(html).startswith(b"%PDF-")
    new_fonts.assert_not_called()
    new_css.assert_not_called()


def test_a_layout_failure_is_a_render_error(issue: Issue) -> None:
    with (
        mock.patch.object(documents.pool, "run", side_effect=RuntimeError("pango gave up")),
        pytest.raises(documents.RenderError, match="rendered as PDF") as e,
    ):
        documents.render_pdf(issue)
    assert "pango" not in str(e.value)  # the details are for the log only


def test_a_story_ending_in_a_list_gets_its_source_at_the_end_of_the_last_item() -> None:
    html = body_with_source("<p>Three ports:</p><ul><li>North</li></ul>", "Island <Courier>")
    assert html.endswith(
        '<li>North <span class="source">(<strong>Island &lt;Courier&gt;</strong>)</span></li></ul>'
    )
    html = body_with_source(
        "<p>Ports:</p><ol><li><p>North</p></li><li><p>South</p></li></ol>", "HT"
    )
    assert html.endswith('<p>South <span class="source">(<strong>HT</strong>)</span></p></li></ol>')
    assert 'class="source-line"' in body_with_source("", "HT")  # nothing to end: a line of its own
    assert body_with_source("<p>No source yet.</p>", None) == "<p>No source yet.</p>"
