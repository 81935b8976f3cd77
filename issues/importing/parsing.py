"""Read a back issue in its text form: pure functions, no database.

The text form is what extraction from a PDF issue gives (see DESIGN.md):

    NEWSLETTER**SECTOR****24 - 30 November 2025****First headline**

    A paragraph that ends with its source. (**Harbour Tribune**)

    Second headline

    Its paragraph. (**Valley Courier**)

The masthead runs its parts together with Markdown bold markers; after it
every story is a headline line and a paragraph ending with the source in
parentheses. Real extraction is untidy, so the reader tolerates missing and
extra blank lines, paragraphs wrapped over several lines, Markdown escapes
(``\\$``), plain ``(Source)`` without the bold markers and a masthead split
over several lines. Anything it cannot read raises IssueParseError with the
1-based line number of the offending line.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from newsroom.text import FORBIDDEN

MASTHEAD = "NEWSLETTER"
HEADLINE_MAX = 200  # Story.headline's max_length
SOURCE_MAX = 120  # Source.name's max_length
SECTOR_MAX = 200  # Newsletter.title's max_length
# An issue is a handful of stories, a few thousand characters. These bounds
# keep parsing (and the import that follows) to a second or so, whatever
# arrives: a 4.4 MB text of 80,000 stories is refused at its first excess.
TEXT_MAX = 1_000_000  # characters
LINE_MAX = 10_000  # characters; a story's paragraph is one line
STORIES_MAX = 200


class IssueImportError(Exception):
    """An issue that cannot be imported, with the line that says why."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"

    def __reduce__(self) -> tuple[type[IssueImportError], tuple[str, int]]:
        # Pickled whole, so that a render worker reading a PDF can raise it.
        return (self.__class__, (self.message, self.line))


class IssueParseError(IssueImportError):
    """The text does not read as an issue."""


@dataclass(frozen=True)
class ParsedStory:
    headline: str
    # Plain text. Paragraphs are separated by a blank line and list items
    # start "- " on lines of their own (readers of other formats keep them).
    paragraph: str
    source: str  # "" when the reader found none: the editor sets it
    line: int  # where the headline is
    link: str = ""
    where: str = ""  # for the editor: "line 12", "page 2", "paragraph 7"


@dataclass(frozen=True)
class SetAside:
    """Text a reader found but did not take for a story (an introduction,
    an advertisement, a footer): shown in the preview, never imported."""

    text: str
    where: str


@dataclass(frozen=True)
class ParsedIssue:
    sector: str  # the masthead's sector, or a back issue's title ("" if none)
    period_start: datetime.date
    period_end: datetime.date
    stories: list[ParsedStory] = field(default_factory=list)
    line: int = 1  # where the masthead is
    number: int | None = None  # as printed ("Issue 16", "No. 11")
    set_aside: list[SetAside] = field(default_factory=list)
    how: str = "text form"  # what read it: "Word file", "PDF (layout)", ...


# Markdown lets any ASCII punctuation be escaped with a backslash. Escaped
# characters are swapped for private-use code points while the structure is
# read, so that an escaped "\*\*" or "\(" is never taken for markup, and are
# put back as plain characters at the end.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PRIVATE_BASE = 0xE000


def _protect(line: str) -> str:
    return _ESCAPE.sub(lambda m: chr(_PRIVATE_BASE + ord(m.group(1))), line)


def _restore(text: str) -> str:
    return re.sub(r"[\ue000-\ue07f]", lambda m: chr(ord(m.group(0)) - _PRIVATE_BASE), text)


def _clean(text: str) -> str:
    """Plain text of a protected fragment: no bold markers, single spaces."""
    text = text.replace("**", "")
    return _restore(" ".join(text.split()))


# ---------------------------------------------------------------- periods

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_DASHES = re.compile(r"\s*[-‐‑‒–—―−]+\s*")
_DAY_MONTH_YEAR = r"(?P<{d}>\d{{1,2}})(?:\s+(?P<{m}>[^\W\d_]+)\.?)?(?:\s+(?P<{y}>\d{{4}}))?"
_PERIOD = re.compile(
    _DAY_MONTH_YEAR.format(d="d1", m="m1", y="y1")
    + "(?: - "
    + _DAY_MONTH_YEAR.format(d="d2", m="m2", y="y2")
    + ")?"
)


def parse_period(text: str) -> tuple[datetime.date, datetime.date]:
    """'24 - 30 November 2025', '28 November - 4 December 2025',
    '29 December 2025 - 4 January 2026' (the inverse of format_period).

    Hyphens, en and em dashes and extra spaces are all accepted. Raises
    ValueError with a sentence for the editor.
    """
    normal = _DASHES.sub(" - ", " ".join(text.replace(",", " ").split()))
    match = _PERIOD.fullmatch(normal)
    if not match:
        raise ValueError(f"unreadable period “{text}”, expected e.g. “24 - 30 November 2025”")
    parts = match.groupdict()
    if parts["d2"] is None:  # a single day: "1 December 2025"
        parts |= {"d2": parts["d1"], "m2": parts["m1"], "y2": parts["y1"]}
        parts |= {"m1": None, "y1": None}
    if parts["m2"] is None or parts["y2"] is None:
        raise ValueError(f"unreadable period “{text}”: the end needs a month and a year")
    month_end = _month(parts["m2"], text)
    month_start = _month(parts["m1"], text) if parts["m1"] else month_end
    year_end = int(parts["y2"])
    if parts["y1"]:
        year_start = int(parts["y1"])
    else:
        # "29 December - 4 January 2026": a period across the new year.
        year_start = year_end - 1 if month_start > month_end else year_end
    try:
        start = datetime.date(year_start, month_start, int(parts["d1"]))
        end = datetime.date(year_end, month_end, int(parts["d2"]))
    except ValueError:
        raise ValueError(f"unreadable period “{text}”: no such date") from None
    if end < start:
        raise ValueError(f"the period “{text}” ends before it starts")
    return start, end


def _month(name: str, text: str) -> int:
    try:
        return _MONTHS[name.lower()]
    except KeyError:
        raise ValueError(f"unreadable period “{text}”: “{name}” is not a month") from None


# ---------------------------------------------------------------- stories

# A paragraph ends with its source in parentheses: "... (**Valley Courier**)".
# A full stop after it is forgiven. Text without any bold source (plain
# extraction) may end paragraphs with "(Valley Courier)"; where bold sources
# exist, only they count, so that a headline ending "(ICT)" is not a source.
_BOLD_SOURCE = re.compile(r"\(\s*\*\*(?P<name>[^()*]+?)\*\*\s*\)\s*\.?\s*$")
_PLAIN_SOURCE = re.compile(r"\(\s*(?:\*\*)?(?P<name>[^()*]+?)(?:\*\*)?\s*\)\s*\.?\s*$")
_HEADING = re.compile(r"^#{1,6}\s+")


@dataclass
class _Line:
    number: int
    text: str  # protected: escapes swapped out


def parse_issue_text(text: str) -> ParsedIssue:
    """Read one issue in the text form, or raise IssueParseError."""
    _check_size(text)
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))
    lines = [_Line(n, _protect(t.strip())) for n, t in enumerate(text.splitlines(), 1)]
    source = (
        _BOLD_SOURCE if any(_BOLD_SOURCE.search(line.text) for line in lines) else _PLAIN_SOURCE
    )
    body = iter(lines)
    sector, (start, end), first_headline, masthead_line = _read_masthead(body)
    stories = _read_stories(list(body), first_headline, source)
    if not stories:
        raise IssueParseError("the issue has no stories after the masthead", masthead_line)
    return ParsedIssue(sector, start, end, stories, masthead_line)


def _check_size(text: str) -> None:
    if len(text) > TEXT_MAX:
        raise IssueParseError(
            f"the text is {len(text):,} characters long; an issue has at most {TEXT_MAX:,}",
            text.count("\n", 0, TEXT_MAX) + 1,
        )
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > LINE_MAX:
            raise IssueParseError(
                f"the line is {len(line):,} characters long; at most {LINE_MAX:,}", number
            )
        # As the forms refuse it in a headline, a source's name, a title or
        # a body (newsroom.text): nothing of the file is stored.
        if found := FORBIDDEN.search(line):
            raise IssueParseError(
                f"remove the invisible control character U+{ord(found.group()):04X}:"
                " it cannot be printed, mailed or put in a feed",
                number,
            )


def _read_masthead(
    lines: Iterator[_Line],
) -> tuple[str, tuple[datetime.date, datetime.date], _Line | None, int]:
    """NEWSLETTER, sector and period, run together with ** or on lines of
    their own; whatever follows the period on its line is the first headline."""
    parts: list[tuple[_Line, str]] = []
    first: _Line | None = None
    for line in lines:
        if not line.text:
            continue
        first = first or line
        parts += [(line, p.strip()) for p in line.text.split("**") if p.strip()]
        if len(parts) >= 3:
            break
    if first is None:
        raise IssueParseError("the file is empty", 1)
    if not parts or parts[0][1].upper() != MASTHEAD:
        raise IssueParseError(
            f"the first line should be the masthead “{MASTHEAD}**SECTOR****PERIOD**…”,"
            f" not “{_clean(first.text)[:60]}”",
            first.number,
        )
    if len(parts) < 3:
        raise IssueParseError("the masthead needs a sector and a period", first.number)
    sector = _clean(parts[1][1])
    if len(sector) > SECTOR_MAX:
        raise IssueParseError(
            f"the sector is longer than {SECTOR_MAX} characters", parts[1][0].number
        )
    period_line, period = parts[2]
    try:
        span = parse_period(_clean(period))
    except ValueError as exc:
        raise IssueParseError(str(exc), period_line.number) from None
    rest = period_line.text.split(period, 1)[1].strip(" *")
    headline = _Line(period_line.number, rest) if rest else None
    return sector, span, headline, first.number


def _read_stories(
    lines: list[_Line], pending_headline: _Line | None, source: re.Pattern[str]
) -> list[ParsedStory]:
    """Cut the lines after the masthead into stories at each source."""
    stories: list[ParsedStory] = []
    block: list[_Line | None] = []  # None marks a blank line
    for line in lines:
        if not line.text:
            if block and block[-1] is not None:
                block.append(None)
            continue
        block.append(line)
        if match := source.search(line.text):
            if len(stories) == STORIES_MAX:
                raise IssueParseError(
                    f"an issue has at most {STORIES_MAX} stories; this is one more", line.number
                )
            headline = pending_headline if not stories else None
            stories.append(_read_story(block, headline, match))
            block = []
    leftover = [line for line in block if line is not None]
    if leftover:
        _refuse_leftover(leftover, pending_headline if not stories else None)
    return stories


def _groups(block: list[_Line | None]) -> list[list[_Line]]:
    groups: list[list[_Line]] = [[]]
    for line in block:
        if line is None:
            groups.append([])
        else:
            groups[-1].append(line)
    return [g for g in groups if g]


def _read_story(
    block: list[_Line | None], headline: _Line | None, match: re.Match[str]
) -> ParsedStory:
    groups = _groups(block)
    if headline is not None:  # the first headline came with the masthead
        groups.insert(0, [headline])
    if len(groups) > 2:
        # Headline, paragraph, headline, paragraph: the first paragraph
        # never named its source.
        raise IssueParseError(
            f"the story “{_clean(groups[0][0].text)[:60]}” has no source: its paragraph"
            " should end with the source in parentheses, e.g. (**Harbour Tribune**)",
            groups[1][-1].number,
        )
    if len(groups) == 1:
        if len(groups[0]) == 1:
            raise IssueParseError(
                "a paragraph without a headline: a story starts with its headline on a"
                " line of its own",
                groups[0][0].number,
            )
        groups = [groups[0][:1], groups[0][1:]]  # no blank line after the headline
    head, paragraph_lines = groups
    last = paragraph_lines[-1]
    paragraph_lines = [*paragraph_lines[:-1], _Line(last.number, last.text[: match.start()])]
    return _story(head, paragraph_lines, _clean(match.group("name")))


def _story(head: list[_Line], paragraph_lines: list[_Line], source: str) -> ParsedStory:
    headline = _clean(_HEADING.sub("", " ".join(line.text for line in head)))
    paragraph = _clean(" ".join(line.text for line in paragraph_lines))
    if len(headline) > HEADLINE_MAX:
        raise IssueParseError(
            f"the headline is {len(headline)} characters long (at most {HEADLINE_MAX});"
            " is it a paragraph without a headline?",
            head[0].number,
        )
    if not paragraph:
        raise IssueParseError(
            f"the story “{headline[:60]}” has a source but no paragraph", head[0].number
        )
    if len(source) > SOURCE_MAX:
        raise IssueParseError(
            f"the source name is longer than {SOURCE_MAX} characters",
            paragraph_lines[-1].number,
        )
    return ParsedStory(headline, paragraph, source, head[0].number)


def _refuse_leftover(leftover: list[_Line], headline: _Line | None) -> None:
    """Lines after the last source: a story whose paragraph names no source,
    or a headline with no paragraph."""
    if headline is None and len(leftover) == 1:
        raise IssueParseError(
            f"the headline “{_clean(leftover[0].text)[:60]}” has no paragraph after it",
            leftover[0].number,
        )
    title = headline or leftover[0]
    raise IssueParseError(
        f"the story “{_clean(title.text)[:60]}” has no source: its paragraph should end"
        " with the source in parentheses, e.g. (**Harbour Tribune**)",
        leftover[-1].number,
    )


def with_given(
    parsed: ParsedIssue,
    period: tuple[datetime.date, datetime.date] | None,
    number: int | None,
) -> ParsedIssue:
    """`parsed` with the period and number the editor gave, which win over
    what the file says."""
    if period is not None:
        parsed = dataclasses.replace(parsed, period_start=period[0], period_end=period[1])
    if number is not None:
        parsed = dataclasses.replace(parsed, number=number)
    return parsed
