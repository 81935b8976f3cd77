"""A publisher's own archive: back issues made by Word, LibreOffice, a
designer's tool, or typed as plain text or Markdown, without our masthead.

The corpus in tests/fixtures/archive/ was made by make_archive.py beside it
(committed with the files, so no office suite is needed here);
expected.json holds what each file was made from. Every story's headline,
source and text, and the issue's period and number, must come back exactly.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from issues.importing import IssueParseError, period_from_text, read_issue
from issues.importing.plain import text_blocks
from issues.importing.recognise import (
    find_number,
    find_period,
    issue_from_blocks,
    source_alone,
    source_at_end,
)

ARCHIVE = Path(__file__).parent / "fixtures" / "archive"
EXPECTED: dict[str, Any] = json.loads((ARCHIVE / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_back_issue_in_the_corpus_reads_exactly(name: str) -> None:
    expected = EXPECTED[name]

    parsed = read_issue(name, (ARCHIVE / name).read_bytes())

    assert parsed.sector == expected["title"]
    assert [parsed.period_start.isoformat(), parsed.period_end.isoformat()] == expected["period"]
    assert parsed.number == expected["number"]
    assert [s.headline for s in parsed.stories] == [s["headline"] for s in expected["stories"]]
    assert [s.source for s in parsed.stories] == [s["source"] for s in expected["stories"]]
    for story, wanted in zip(parsed.stories, expected["stories"], strict=True):
        assert story.paragraph.startswith(wanted["opening"])
        assert story.paragraph == wanted["body"]
        assert story.where  # the editor sees where each story came from


def test_the_corpus_stays_small() -> None:
    total = sum(path.stat().st_size for path in ARCHIVE.iterdir())
    assert total < 400_000


def test_a_list_in_a_word_story_stays_a_list() -> None:
    parsed = read_issue("harbour-weekly.docx", (ARCHIVE / "harbour-weekly.docx").read_bytes())

    assert "\n- book a berth with a live socket\n" in parsed.stories[1].paragraph


def test_the_pdfs_running_footer_and_page_numbers_are_dropped() -> None:
    parsed = read_issue("transit-notes.pdf", (ARCHIVE / "transit-notes.pdf").read_bytes())

    everything = " ".join(
        [s.paragraph for s in parsed.stories] + [a.text for a in parsed.set_aside]
    )
    assert "Transit Forum" not in everything
    assert "- 2 -" not in everything
    # The last story went on to page 2 and is whole again.
    assert parsed.stories[-1].paragraph.endswith("nearest step-free neighbour.")


def test_a_link_line_becomes_the_storys_link() -> None:
    parsed = read_issue("clinic-roundup.md", (ARCHIVE / "clinic-roundup.md").read_bytes())

    assert parsed.stories[1].link == "https://ward-gazette.example/triage"
    assert parsed.stories[1].where == "line 9"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("9-15 March 2026", "2026-03-09", "2026-03-15"),
        ("9–15 March 2026", "2026-03-09", "2026-03-15"),
        ("20 April - 26 April 2026", "2026-04-20", "2026-04-26"),
        ("Week of 4 May 2026", "2026-05-04", "2026-05-10"),
        ("30 December 2025 - 5 January 2026", "2025-12-30", "2026-01-05"),
        ("Issue 16 · 9-15 March 2026", "2026-03-09", "2026-03-15"),
        ("week beginning 4th May 2026", "2026-05-04", "2026-05-10"),
        ("28 Dec - 3 Jan 2027", "2026-12-28", "2027-01-03"),
    ],
)
def test_periods_are_read_in_the_forms_publishers_write(text: str, start: str, end: str) -> None:
    found = find_period(text)

    assert found is not None
    assert (found[0].isoformat(), found[1].isoformat()) == (start, end)
    assert period_from_text(text) == (found[0], found[1])


def test_a_date_that_is_not_a_period_is_not_taken_for_one() -> None:
    assert find_period("Founded 1998, published every Monday") is None
    with pytest.raises(ValueError, match="unreadable period"):
        period_from_text("next week")


@pytest.mark.parametrize(
    ("text", "number"),
    [("Issue 16", 16), ("No. 11", 11), ("Issue no. 4 — spring", 4), ("Vol. 3, No. 12", 12)],
)
def test_the_issue_number_is_read_as_printed(text: str, number: int) -> None:
    found = find_number(text)

    assert found is not None and found[0] == number


@pytest.mark.parametrize(
    ("text", "before", "name"),
    [
        ("Prices rose. (Harbour Tribune)", "Prices rose.", "Harbour Tribune"),
        ("Prices rose. [Harbour Tribune]", "Prices rose.", "Harbour Tribune"),
        ("Prices rose. — Harbour Tribune", "Prices rose.", "Harbour Tribune"),
        ("Prices rose. - Harbour Tribune", "Prices rose.", "Harbour Tribune"),
        ("Prices rose. Source: Harbour Tribune", "Prices rose.", "Harbour Tribune"),
        ("Prices rose (Harbour Tribune).", "Prices rose", "Harbour Tribune"),
    ],
)
def test_sources_at_a_storys_end(text: str, before: str, name: str) -> None:
    assert source_at_end(text) == (before, name)


def test_sources_on_their_own_line() -> None:
    assert source_alone("(Harbour Tribune)") == "Harbour Tribune"
    assert source_alone("[Harbour  Tribune]") == "Harbour Tribune"
    assert source_alone("— Harbour Tribune") == "Harbour Tribune"
    assert source_alone("Source: Harbour Tribune") == "Harbour Tribune"
    assert source_alone("Harbour Tribune") is None


def test_an_aside_in_brackets_is_not_a_source() -> None:
    assert source_at_end("Sales grew strongly (up 12%)") is None
    assert source_at_end("The plant opened (2019)") is None


def test_a_file_without_a_period_says_what_was_found() -> None:
    text = "Harbour Weekly\n\nFirst headline\n\nIts paragraph. (Tribune)\n\nSecond\n\nMore. (X)\n"

    with pytest.raises(IssueParseError) as refused:
        read_issue("harbour.txt", text.encode())

    message = refused.value.message
    assert "found the title “Harbour Weekly”" in message
    assert "but no period line" in message
    assert "set the period" in message
    assert "NEWSLETTER" not in message


def test_a_pdf_without_a_period_names_its_headline_styles() -> None:
    data = (ARCHIVE / "grain-digest.pdf").read_bytes()
    parsed = read_issue("grain-digest.pdf", data)  # it has one
    blocks_without_period = [b for b in _pdf_blocks(data) if "April" not in b.text]

    with pytest.raises(IssueParseError) as refused:
        issue_from_blocks(blocks_without_period, how="PDF")

    assert "4 blocks in bold 14 pt" in refused.value.message
    assert "no period line" in refused.value.message
    assert parsed.number == 11


def test_the_period_given_by_the_editor_lets_the_file_in() -> None:
    text = "Harbour Weekly\n\nFirst headline\n\nIts paragraph. (Tribune)\n"
    period = (datetime.date(2026, 3, 9), datetime.date(2026, 3, 15))

    parsed = read_issue("harbour.txt", text.encode(), period=period, number=4)

    assert (parsed.period_start, parsed.period_end, parsed.number) == (*period, 4)
    assert parsed.stories[0].source == "Tribune"


def test_text_without_headlines_is_refused_with_what_was_found() -> None:
    text = "Harbour Weekly\n\n9-15 March 2026\n\n" + "A long paragraph of prose. " * 20

    with pytest.raises(IssueParseError, match="no headline followed by a paragraph"):
        read_issue("harbour.txt", text.encode())


def test_a_story_without_a_source_comes_back_for_the_editor_to_complete() -> None:
    blocks = text_blocks("Weekly\n\n9-15 March 2026\n\nHeadline\n\nA paragraph, no source.\n")

    parsed = issue_from_blocks(blocks, how="text file")

    assert parsed.stories[0].source == ""


def test_an_old_word_file_is_refused_in_words() -> None:
    with pytest.raises(IssueParseError, match=r"not a Word \.docx file"):
        read_issue("issue.docx", b"\xd0\xcf\x11\xe0 an OLE2 .doc file")


def test_a_docx_that_inflates_hugely_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b" " * 40_000_000)

    with pytest.raises(IssueParseError, match="unpacks to 38 MB"):
        read_issue("bomb.docx", buffer.getvalue())


def _pdf_blocks(data: bytes) -> list[Any]:
    from issues.importing.layout import pdf_blocks

    return pdf_blocks(data)


def test_after_a_source_a_short_line_over_a_paragraph_is_the_next_headline() -> None:
    text = (
        "Weekly\n\n9-15 March 2026\n\n**First headline**\n\nIts text. (Tribune)\n\n"
        "Second headline, typed plainly\n\nMore text here. (Courier)\n\nSubscribe today!\n"
    )

    parsed = read_issue("weekly.md", text.encode())

    assert [s.headline for s in parsed.stories] == [
        "First headline",
        "Second headline, typed plainly",
    ]
    assert [s.source for s in parsed.stories] == ["Tribune", "Courier"]
    assert [a.text for a in parsed.set_aside] == ["Subscribe today!"]


def test_control_characters_in_a_file_never_reach_a_story() -> None:
    text = "Weekly\n\n9-15 March 2026\n\n## Head\x1bline\n\nIts\x07 text. (Trib\x00une)\n"

    parsed = read_issue("weekly.md", text.encode())

    story = parsed.stories[0]
    assert (story.headline, story.paragraph, story.source) == ("Headline", "Its text.", "Tribune")


def test_a_broken_pdf_is_refused_in_words() -> None:
    with pytest.raises(IssueParseError, match="not a readable PDF"):
        read_issue("issue.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")


def test_a_running_head_on_every_page_is_dropped_after_the_first() -> None:
    parsed = read_issue("mining-ledger.pdf", (ARCHIVE / "mining-ledger.pdf").read_bytes())

    text = " ".join([s.paragraph for s in parsed.stories] + [a.text for a in parsed.set_aside])
    assert "Mining Ledger · No. 9" not in text
    assert "of 2" not in text
    assert parsed.number == 9  # read from the head on page 1


def test_headlines_nothing_sets_apart_are_found_by_their_place() -> None:
    from issues.importing.recognise import Block

    lines = [
        "Quarry Weekly",
        "Issue 2 · 9-15 March 2026",
        "Blasting hours change",
        "Blasting moves to the early afternoon from Monday. (Town Crier)",
        "New weighbridge opens",
        "The second weighbridge opened at the north gate. (Ore Review)",
    ]
    blocks = [Block(text, "page 1", n) for n, text in enumerate(lines, start=1)]

    parsed = issue_from_blocks(blocks, how="PDF")

    assert [s.headline for s in parsed.stories] == [
        "Blasting hours change",
        "New weighbridge opens",
    ]
    assert [s.source for s in parsed.stories] == ["Town Crier", "Ore Review"]
    assert (parsed.sector, parsed.number) == ("Quarry Weekly", 2)


def test_our_own_layout_with_a_footer_stored_before_the_masthead_is_read(tmp_path: Path) -> None:
    """pypdf reads the footer first and our own reader gives up; the layout
    reader sees the page as it is printed."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "ours.pdf"
    height = A4[1]
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(50, 30, "Information and Communication Technology (ICT) · Page 1 of 1")
    y = height - 60
    for font, size, text in [
        ("Helvetica-Bold", 20, "NEWSLETTER"),
        ("Helvetica-Bold", 12, "INFORMATION AND COMMUNICATION TECHNOLOGY (ICT)"),
        ("Helvetica-Bold", 12, "24 - 30 November 2025 (No. 48)"),
        ("Helvetica-Bold", 11, "Port Aldren opens an undersea data centre"),
        ("Helvetica", 11, "The centre is cooled by the sea. (Harbour Tribune)"),
        ("Helvetica-Bold", 11, "Robotics fair draws record crowds"),
        ("Helvetica", 11, "Forty thousand came on the first day. (Valley Courier)"),
    ]:
        canvas.setFont(font, size)
        canvas.drawString(50, y, text)
        y -= size * 2
    canvas.save()

    parsed = read_issue("ours.pdf", path.read_bytes())

    assert parsed.sector == "INFORMATION AND COMMUNICATION TECHNOLOGY (ICT)"
    assert parsed.number == 48
    assert (parsed.period_start, parsed.period_end) == (
        datetime.date(2025, 11, 24),
        datetime.date(2025, 11, 30),
    )
    assert [(s.headline, s.source) for s in parsed.stories] == [
        ("Port Aldren opens an undersea data centre", "Harbour Tribune"),
        ("Robotics fair draws record crowds", "Valley Courier"),
    ]
