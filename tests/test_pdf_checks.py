"""The PDF/UA-1 check the tests run on every PDF they render
(tests/pdf_checks.py) finds what it looks for: it passes a sound PDF and
fails one that lacks an essential. Stories cannot carry images today, so
a figure is laid out here from plain HTML, as the renderer would."""

from __future__ import annotations

import base64
import io

import PIL.Image
import pytest

from issues.rendering import documents
from tests.pdf_checks import (
    assert_accessible_pdf,
    headings_in_reading_order,
    xmp_packet,
    xmp_rdf_blocks_and_pdfua_part,
)


def image() -> str:
    png = io.BytesIO()
    PIL.Image.new("RGB", (40, 20), "navy").save(png, "PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


def pdf_of(body: str) -> bytes:
    return documents.html_to_pdf(
        f'<html lang="en"><head><title>Check</title></head><body><h1>Check</h1>{body}</body></html>'
    )


def test_a_figure_with_alternative_text_and_a_link_pass() -> None:
    pdf = pdf_of(
        f'<h2>Cable route</h2><p><img src="{image()}" alt="Map of the cable route">'
        ' The <a href="https://example.org/route">route</a>.</p>'
    )
    assert_accessible_pdf(pdf, headlines=["Cable route"])


def test_a_figure_without_alternative_text_fails() -> None:
    pdf = pdf_of(f'<h2>Cable route</h2><p><img src="{image()}"> The route.</p>')
    with pytest.raises(AssertionError, match="a figure without alternative text"):
        assert_accessible_pdf(pdf, headlines=["Cable route"])


def test_headlines_out_of_the_issues_order_fail() -> None:
    pdf = pdf_of("<h2>First</h2><p>One.</p><h2>Second</h2><p>Two.</p>")
    assert_accessible_pdf(pdf, headlines=["First", "Second"])
    with pytest.raises(AssertionError):
        assert_accessible_pdf(pdf, headlines=["Second", "First"])


def test_headings_are_read_from_their_own_page_with_the_spaces_around_a_span() -> None:
    # Two faults the check once had: a heading on page 2 read page 1's
    # text, and a name in its own span lost the spaces beside it.
    pdf = pdf_of(
        '<h2>Engineer <span class="cjk-run">李明华</span> wins</h2><p>One.</p>'
        '<h2 style="break-before: page">Second page</h2><p>Two.</p>'
    )
    assert headings_in_reading_order(pdf) == ["Check", "Engineer 李明华 wins", "Second page"]


def test_a_pdf_without_one_h1_first_fails() -> None:
    pdf = documents.html_to_pdf(
        '<html lang="en"><head><title>Check</title></head><body>'
        "<h2>First</h2><p>One.</p><h1>Late title</h1><h1>Another</h1></body></html>"
    )
    with pytest.raises(AssertionError, match="not an H1"):
        assert_accessible_pdf(pdf, headlines=["First"])


def test_the_h1_must_name_the_title_when_asked() -> None:
    pdf = pdf_of("<h2>First</h2><p>One.</p>")
    assert_accessible_pdf(pdf, headlines=["First"], title="check")
    with pytest.raises(AssertionError, match="the H1 is"):
        assert_accessible_pdf(pdf, headlines=["First"], title="Newsletter")


def test_a_second_rdf_block_in_the_xmp_is_found() -> None:
    packet = xmp_packet(pdf_of("<p>One.</p>"))
    assert xmp_rdf_blocks_and_pdfua_part(packet) == (1, "1")
    second = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about=""/></rdf:RDF></x:xmpmeta>'
    )
    assert xmp_rdf_blocks_and_pdfua_part(packet.replace(b"</x:xmpmeta>", second))[0] == 2
