"""The PDF's text layer holds every word exactly as written: what copy, search,
screen readers and our own PDF import read back."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from issues.models import Issue
from issues.rendering import documents
from newsroom.models import Newsletter
from newsroom.review.workflow import Status
from newsroom.writing.story_shape import recording_as_printed
from tests import factories
from tests.issue_helpers import pdf_text
from tests.pdf_checks import assert_accessible_pdf

SHY = "\u00ad"
HEADLINE = "Affiliates’ fibre office flies a flag – for “official” figures"
# Long words with soft hyphens in narrow justified lines: with hyphenation on,
# several of them would break across lines.
PARAGRAPHS = [
    "The fibre office flew an official flag as the affiliate’s “offer” of "
    "€1,250 – or £99, ¥7,000, $12.50 and ₹500 a month – reached the flight desk. "
    "Engineer {name} said the ‘sufficiently efficient’ fleet reflects it.",
    f"Tele{SHY}com{SHY}mu{SHY}ni{SHY}ca{SHY}tions in{SHY}fra{SHY}struc{SHY}ture "
    f"in{SHY}com{SHY}pre{SHY}hen{SHY}si{SHY}bil{SHY}i{SHY}ties, "
    f"over{SHY}whelm{SHY}ing{SHY}ly in{SHY}ter{SHY}na{SHY}tion{SHY}al{SHY}ised "
    f"in{SHY}ter{SHY}op{SHY}er{SHY}a{SHY}bil{SHY}i{SHY}ty and ac{SHY}knowl{SHY}edge{SHY}ment "
    f"of mis{SHY}un{SHY}der{SHY}stand{SHY}ings, 2024–2025, "
    f"coun{SHY}ter{SHY}rev{SHY}o{SHY}lu{SHY}tion{SHY}ar{SHY}ies and "
    f"ex{SHY}tra{SHY}or{SHY}di{SHY}nar{SHY}i{SHY}ly "
    f"re{SHY}spon{SHY}si{SHY}bil{SHY}i{SHY}ties.",
    'Read the <a href="https://example.org/fibre">official fibre report</a> online.',
]
SOURCE = "Ōtautahi Courier"
HANZI_NAME = "林小红"


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def written(text: str) -> str:
    """What a reader should get back: the text without markup or soft hyphens."""
    return re.sub(r"<[^>]+>", "", text).replace(SHY, "")


def paragraphs(name: str) -> list[str]:
    return [paragraph.replace("{name}", name) for paragraph in PARAGRAPHS]


def make_text_layer_issue(
    newsletter: Newsletter, editor: User, reviewer: User, *, name: str = HANZI_NAME
) -> Issue:
    """One story with ligatures, soft hyphens, quotes, dashes, currencies, a
    link and a person's `name` (in Hanzi unless told otherwise)."""
    # Several paragraphs, as a back issue printed them (the desk's rule of
    # one paragraph and a list does not bind what was printed).
    with recording_as_printed():
        story = factories.make_story(
            author=editor,
            newsletter=newsletter,
            status=Status.PUBLISHED,
            reviewer=reviewer,
            headline=HEADLINE,
            body="".join(f"<p>{paragraph}</p>" for paragraph in paragraphs(name)),
            source=factories.make_source(SOURCE),
        )
    return factories.make_issue(newsletter=newsletter, created_by=editor, stories=[story])


def assert_text_layer_is_as_written(pdf: bytes, *, name: str = HANZI_NAME) -> None:
    text = pdf_text(pdf)
    for piece in (HEADLINE, *paragraphs(name), f"({SOURCE})"):
        assert written(piece) in text, f"{written(piece)!r} not in {text!r}"
    assert SHY not in text and "\u2010" not in text  # no soft or broken hyphen shows
    raw = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert name in raw  # the name never straddles a line break


@pytest.fixture
def pdf(newsletter: Newsletter, alice: User, bob: User) -> bytes:
    return documents.render_pdf(make_text_layer_issue(newsletter, alice, bob))


def test_ligatures_map_back_to_their_letters(pdf: bytes) -> None:
    text = pdf_text(pdf)
    for word in ("fibre", "office", "flew", "official", "affiliate’s", "sufficiently", "flight"):
        assert has_word(text, word), word
    assert "ﬁ" not in text and "ﬀ" not in text and "ﬃ" not in text and "ﬂ" not in text


def drawn_ligatures(pdf: bytes) -> set[str]:
    """The letters each ligature glyph in the PDF's fonts stands for, from
    their ToUnicode maps (one glyph mapped to several characters)."""
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode("latin-1")
            for letters in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{8,})>", cmap):
                found.add(bytes.fromhex(letters).decode("utf-16-be"))
    return found


def test_the_ligatures_are_really_drawn_as_one_glyph(pdf: bytes) -> None:
    # Otherwise the test above would pass without testing anything.
    assert {"fi", "fl", "ffi"} <= drawn_ligatures(pdf)


def test_soft_hyphens_never_split_a_word(pdf: bytes) -> None:
    text = pdf_text(pdf)
    for word in ("Telecommunications", "incomprehensibilities", "interoperability"):
        assert has_word(text, word), word
    assert SHY not in text and "\u2010" not in text


def test_quotes_dashes_currencies_and_a_hanzi_name_come_out_as_typed(pdf: bytes) -> None:
    text = pdf_text(pdf)
    assert "affiliate’s “offer”" in text
    assert "€1,250 – or £99, ¥7,000, $12.50 and ₹500 a month –" in text
    assert "‘sufficiently efficient’" in text and "2024–2025" in text
    assert "Engineer 林小红 said" in text


def test_the_whole_text_layer_is_as_written_and_the_pdf_is_accessible(pdf: bytes) -> None:
    assert_text_layer_is_as_written(pdf)
    assert_accessible_pdf(pdf, headlines=[HEADLINE])
