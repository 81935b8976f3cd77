"""Reading back issues in their text form: pure parsing, no database.

The fixtures in tests/fixtures/import/ are our own invented issues written in
the form of the reference (text extracted from a PDF issue).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from issues.importing import (
    IssueParseError,
    ParsedIssue,
    issue_text,
    parse_issue_text,
    parse_period,
)
from issues.importing.saving import sector_title
from issues.rendering.documents import html_to_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def parse(name: str) -> ParsedIssue:
    return parse_issue_text((FIXTURES / name).read_text(encoding="utf-8"))


def test_it_reads_the_masthead_and_every_story_in_order() -> None:
    issue = parse("basic.md")
    assert issue.sector == "INFORMATION AND COMMUNICATION TECHNOLOGY (ICT)"
    assert (issue.period_start, issue.period_end) == (
        datetime.date(2025, 11, 24),
        datetime.date(2025, 11, 30),
    )
    assert issue.line == 3  # after two blank lines, as extraction leaves them
    assert [s.headline for s in issue.stories] == [
        "Port Aldren opens its first undersea data centre",
        "Millbrook students build a satellite from recycled phones",
        "Lakeside council moves its records to open formats",
        "Fibre reaches the last villages of the Upper Kessel",
        "Robotics fair draws record crowds in Northgate",
    ]
    assert [s.source for s in issue.stories] == [
        "Harbour Tribune",
        "Valley Courier",
        "Harbour Tribune",
        "Kessel Daily",
        "Valley Courier",
    ]
    assert [s.line for s in issue.stories] == [3, 7, 11, 15, 19]


def test_the_paragraph_loses_its_source_and_keeps_its_words() -> None:
    first = parse("basic.md").stories[0]
    assert first.paragraph.startswith("The harbour city of Port Aldren switched on")
    assert first.paragraph.endswith("public services for the coastal province from January.")
    assert "Harbour Tribune" not in first.paragraph


def test_it_tolerates_missing_and_extra_blank_lines_and_wrapped_paragraphs() -> None:
    issue = parse("blank_lines.md")
    assert [(s.headline, s.source) for s in issue.stories] == [
        ("Grey Sound ferries get onboard broadband", "Harbour Tribune"),
        ("Millbrook library lends laptops like books", "Valley Courier"),
        ("Kessel hospital trials an appointment chatbot", "Kessel Daily"),
        ("Northgate names a chief digital officer", "Valley Courier"),
    ]
    chatbot = issue.stories[2]
    assert chatbot.paragraph == (
        "Kessel General Hospital is testing a chatbot that books and moves appointments in"
        " four languages. Staff say it answered 3,000 questions in its first week and passed"
        " the harder cases to a person."
    )
    assert issue.stories[3].paragraph.endswith("review of the city's online services.")


def test_windows_line_endings_and_a_byte_order_mark_read_the_same() -> None:
    text = (FIXTURES / "basic.md").read_text(encoding="utf-8")
    assert parse_issue_text("\ufeff" + text.replace("\n", "\r\n")) == parse_issue_text(text)


def test_it_unescapes_markdown_and_keeps_curly_quotes_and_non_ascii_text() -> None:
    first, second, third = parse("escapes.md").stories
    assert first.headline == "Zoë Marchetti’s start-up raises $4.2 million"
    assert "raised $4.2 million (€3.9 million)" in first.paragraph
    assert "“We will hire twenty engineers,” she said – the firm’s" in first.paragraph
    assert second.headline == "Engineer 李明华 wins the Kessel prize for *open* hardware"
    assert "‘simple, cheap and repairable’" in second.paragraph
    assert "#PayByPhone" in third.headline
    assert "0.5% per sale" in third.paragraph
    assert "José Ñúñez" in third.paragraph
    assert third.source == "Journal de Montréal-Est"


def test_it_reads_periods_across_months_and_years() -> None:
    months = parse("across_months.md")
    assert (months.period_start, months.period_end) == (
        datetime.date(2025, 11, 28),
        datetime.date(2025, 12, 4),
    )
    years = parse("across_years.md")
    assert (years.period_start, years.period_end) == (
        datetime.date(2025, 12, 29),
        datetime.date(2026, 1, 4),
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("24 - 30 November 2025", (2025, 11, 24), (2025, 11, 30)),
        ("24–30  November 2025", (2025, 11, 24), (2025, 11, 30)),
        ("28 Nov — 4 Dec 2025", (2025, 11, 28), (2025, 12, 4)),
        ("29 December - 4 January 2026", (2025, 12, 29), (2026, 1, 4)),
        ("1 December 2025", (2025, 12, 1), (2025, 12, 1)),
    ],
)
def test_period_spellings(text: str, start: tuple[int, ...], end: tuple[int, ...]) -> None:
    assert parse_period(text) == (datetime.date(*start), datetime.date(*end))


@pytest.mark.parametrize(
    "text", ["30 - 24 November 2025", "31 February 2026", "next week", "24 - 30 November"]
)
def test_unreadable_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(text)


def test_it_reads_sources_of_several_words_and_a_mixed_case_sector() -> None:
    issue = parse("multiword_sources.md")
    assert issue.sector == "Information and Communication Technology (ICT)"
    assert [s.source for s in issue.stories] == [
        "Radio Lakeside Evening Service",
        "The Northern Valley Courier and Gazette",
        "HARBOUR TRIBUNE",
    ]


def test_a_masthead_on_lines_of_its_own_reads_the_same() -> None:
    issue = parse_issue_text(
        "NEWSLETTER\n**MARITIME AND PORTS**\n**5 - 11 January 2026**\n\n"
        "Ferry timetable changes\n\nThe winter timetable starts on Monday. (Harbour Tribune)\n"
    )
    assert issue.sector == "MARITIME AND PORTS"
    assert issue.stories[0].headline == "Ferry timetable changes"
    assert issue.stories[0].source == "Harbour Tribune"


@pytest.mark.parametrize(
    ("fixture", "line", "message"),
    [
        ("error_no_source.md", 7, "“Millbrook buses get live arrival screens” has no source"),
        ("error_last_no_source.md", 7, "“Kessel launches a school broadband fund” has no source"),
        ("error_no_headline.md", 5, "a paragraph without a headline"),
        ("error_bad_period.md", 1, "“Decembre” is not a month"),
    ],
)
def test_bad_input_names_what_and_where(fixture: str, line: int, message: str) -> None:
    with pytest.raises(IssueParseError) as caught:
        parse(fixture)
    assert caught.value.line == line
    assert message in caught.value.message


def test_a_file_that_is_not_an_issue_is_refused_on_its_first_line() -> None:
    with pytest.raises(IssueParseError, match="masthead") as caught:
        parse_issue_text("\nDear readers,\n\nthis is a letter.\n")
    assert caught.value.line == 2


def test_a_masthead_without_stories_is_refused() -> None:
    with pytest.raises(IssueParseError, match="no stories"):
        parse_issue_text("NEWSLETTER**MARITIME AND PORTS****5 - 11 January 2026**\n")


def test_a_headline_without_a_paragraph_is_refused() -> None:
    text = (FIXTURES / "basic.md").read_text(encoding="utf-8") + "\nA last headline\n"
    with pytest.raises(IssueParseError, match="no paragraph") as caught:
        parse_issue_text(text)
    assert caught.value.line == 23


@pytest.mark.parametrize(
    ("sector", "title"),
    [
        (
            "INFORMATION AND COMMUNICATION TECHNOLOGY (ICT)",
            "Information and Communication Technology (ICT)",
        ),
        ("MARITIME AND PORTS", "Maritime and Ports"),
        ("HEALTH-CARE OF THE ELDERLY", "Health-Care of the Elderly"),
        ("Energy (EN)", "Energy (EN)"),
    ],
)
def test_an_upper_case_sector_becomes_a_readable_title(sector: str, title: str) -> None:
    assert sector_title(sector) == title


def test_a_pdf_that_is_not_an_issue_is_refused() -> None:
    pdf = html_to_pdf('<html lang="en"><p>Dear readers, a letter.</p></html>')
    with pytest.raises(IssueParseError, match="does not start with the masthead"):
        issue_text("letter.pdf", pdf)


def test_a_broken_pdf_is_refused() -> None:
    with pytest.raises(IssueParseError, match="not a readable PDF"):
        issue_text("broken.pdf", b"%PDF-1.7 and then nothing")


def test_text_that_is_not_utf8_is_refused_on_its_line() -> None:
    with pytest.raises(IssueParseError, match="not UTF-8") as caught:
        issue_text("issue.txt", b"NEWSLETTER**X**\n\nCaf\xe9 news\n")
    assert caught.value.line == 3
