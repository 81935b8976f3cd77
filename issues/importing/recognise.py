"""From blocks of text to a parsed issue, whatever tool made the file.

Every reader of a publisher's own format (Word, a PDF by any tool, plain
text or Markdown) turns its file into `Block`s: a paragraph, a list item or
a line set apart from the body (a heading style, bold, larger, coloured),
each with where it was found. This module alone decides what they mean:

- the header: the first few short blocks, up to the last one holding the
  period ("9-15 March 2026", "Week of 4 May 2026"...) or the number
  ("Issue 16", "No. 11"); what else they say is the newsletter's title;
- stories: a block set apart starts one; the blocks after it are its body
  until its source, at the end in parentheses or square brackets, after a
  dash or on a line of its own. What follows a source before the next
  headline (an advertisement, a footer) is set aside, as is anything before
  the first headline that is not the header.

Pure functions, no database. A file that cannot be read raises
IssueParseError saying what was found.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from issues.importing.parsing import (
    HEADLINE_MAX,
    SECTOR_MAX,
    SOURCE_MAX,
    STORIES_MAX,
    IssueParseError,
    ParsedIssue,
    ParsedStory,
    SetAside,
    parse_period,
)
from newsroom.text import one_line


@dataclass
class Block:
    text: str  # plain text, single spaces
    where: str  # "page 2", "line 14", "paragraph 7"
    line: int  # its order in the file (a line or paragraph number)
    heading: bool = False  # set apart from the body text
    # How it is set apart, read after "3 blocks": "in bold 14 pt", "in Heading 2".
    style: str = ""
    list_item: bool = False
    link: str = ""


HEADER_BLOCKS = 6  # the header is among the first blocks
HEADER_TEXT_MAX = 160  # characters; a header line is short
_CLOSING = {"(": ")", "[": "]"}
_OPENING = {")": "(", "]": "["}
_GENERIC = {"newsletter", "the newsletter", "weekly newsletter", "news", "bulletin"}

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = rf"{_DAY}(?:\s+{_MONTH})?(?:,?\s+\d{{4}})?"
_FULL_DATE = rf"{_DAY}\s+{_MONTH},?\s+\d{{4}}"
_DASH = r"\s*(?:[-‐‑‒–—―−]+|to|until)\s*"
_RANGE = re.compile(rf"\b(?P<start>{_DATE}){_DASH}(?P<end>{_FULL_DATE})\b", re.IGNORECASE)
_WEEK = re.compile(
    rf"\bweek\s+(?:of|beginning|commencing|starting)\s+(?P<day>{_FULL_DATE})\b", re.IGNORECASE
)
_NUMBER = re.compile(
    r"\b(?:issue(?:\s+no\.?)?|no\.|number|nr\.?)\s*#?\s*(?P<n>\d{1,5})\b|#(?P<h>\d{1,5})\b",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)


def find_period(text: str) -> tuple[datetime.date, datetime.date, str] | None:
    """The first period written in the text, with the words it was read
    from: "9-15 March 2026", "20 April - 26 April 2026", "Week of 4 May
    2026" (seven days), "30 December 2025 - 5 January 2026"."""
    text = " ".join(text.split())
    for match in _RANGE.finditer(text):
        start_text = _ORDINAL.sub("", match.group("start"))
        end_text = _ORDINAL.sub("", match.group("end"))
        try:
            start, end = parse_period(f"{start_text} - {end_text}")
        except ValueError:
            continue
        if (end - start).days <= 31:
            return start, end, match.group(0)
    if week := _WEEK.search(text):
        try:
            start, _ = parse_period(_ORDINAL.sub("", week.group("day")))
        except ValueError:
            return None
        return start, start + datetime.timedelta(days=6), week.group(0)
    return None


def find_number(text: str) -> tuple[int, str] | None:
    """The issue number as printed: "Issue 16", "No. 11", "Issue no. 4", "#7"."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    number = int(match.group("n") or match.group("h"))
    return (number, match.group(0)) if number > 0 else None


# -------------------------------------------------------------- sources

_NAME = r"(?P<name>[^()\[\]]*?[^\W\d_][^()\[\]]*?)"
_SOURCE_AT_END = [
    re.compile(rf"\s*\(\s*(?:source:\s*)?{_NAME}\s*\)\s*\.?$", re.IGNORECASE),
    re.compile(rf"\s*\[\s*(?:source:\s*)?{_NAME}\s*\]\s*\.?$", re.IGNORECASE),
    # After a dash, behind the sentence's end: "... in May. — Harbour Tribune"
    re.compile(r"(?<=[.!?\"”’)])\s+[-–—]{1,2}\s*(?P<name>[^\W\d_][^—–.!?()\[\]]{0,79}?)\s*$"),
    re.compile(
        r"(?<=[.!?\"”’)])\s+source:\s*(?P<name>[^\W\d_][^.!?()\[\]]{0,79}?)\.?\s*$", re.IGNORECASE
    ),
]
_SOURCE_ALONE = [
    re.compile(rf"^\(\s*(?:source:\s*)?{_NAME}\s*\)\.?$", re.IGNORECASE),
    re.compile(rf"^\[\s*(?:source:\s*)?{_NAME}\s*\]\.?$", re.IGNORECASE),
    re.compile(r"^[-–—]{1,2}\s*(?P<name>[^\W\d_][^.!?()\[\]]{0,79}?)\.?$"),
    re.compile(r"^source:\s*(?P<name>[^\W\d_][^.!?()\[\]]{0,79}?)\.?$", re.IGNORECASE),
]
_WORDS_IN_A_NAME_MAX = 8
_LINK = re.compile(
    r"^(?:(?:read more|more|link|url|original)\s*:\s*)?<?(https?://\S+?)>?$", re.IGNORECASE
)


def source_alone(text: str) -> str | None:
    """The source's name when the block is nothing but a source."""
    for pattern in _SOURCE_ALONE:
        if (match := pattern.match(text)) and _a_name(match.group("name")):
            return _tidy(match.group("name"))
    return None


def source_at_end(text: str) -> tuple[str, str] | None:
    """(the text before it, the source's name) when the text ends with one."""
    for pattern in _SOURCE_AT_END:
        if (match := pattern.search(text)) and _a_name(match.group("name")):
            return text[: match.start()].rstrip(), _tidy(match.group("name"))
    return None


def _a_name(name: str) -> bool:
    return 0 < len(name.split()) <= _WORDS_IN_A_NAME_MAX and "%" not in name


def _tidy(name: str) -> str:
    return " ".join(name.replace("*", "").split()).strip(" .,;:")


# -------------------------------------------------------------- the issue


@dataclass
class _Story:
    head: list[Block]
    body: list[Block] = field(default_factory=list)
    source: str = ""
    link: str = ""


def issue_from_blocks(
    blocks: list[Block],
    *,
    how: str,
    period: tuple[datetime.date, datetime.date] | None = None,
    number: int | None = None,
) -> ParsedIssue:
    """Read the blocks of one back issue. `period` and `number`, when the
    editor gives them, win over what the file says."""
    blocks = [b for b in blocks if b.text.strip()]
    for block in blocks:
        # Control characters would break feeds and PDFs (newsroom/text.py).
        block.text = unicodedata.normalize("NFC", one_line(block.text))
    if not blocks:
        raise IssueParseError(f"the {how} has no text to read; is it a scan?", 1)
    end, found_period, found_number, title, header_aside = _header(blocks)
    if period is None:
        if found_period is None:
            raise IssueParseError(_no_period(blocks, title), blocks[0].line)
        period = found_period
    stories, set_aside = _stories(blocks[end:])
    set_aside = header_aside + set_aside
    if not stories:
        raise IssueParseError(_no_stories(blocks), blocks[0].line)
    if len(stories) > STORIES_MAX:
        raise IssueParseError(
            f"found {len(stories)} headlines; an issue has at most {STORIES_MAX}",
            stories[STORIES_MAX].head[0].line,
        )
    return ParsedIssue(
        sector=title[:SECTOR_MAX],
        period_start=period[0],
        period_end=period[1],
        stories=[_parsed(story) for story in stories],
        line=blocks[0].line,
        number=number if number is not None else found_number,
        set_aside=set_aside,
        how=how,
    )


def _header(
    blocks: list[Block],
) -> tuple[int, tuple[datetime.date, datetime.date] | None, int | None, str, list[SetAside]]:
    """Where the header ends, the period, the number, the title and what
    else the header says (a strapline)."""
    end = 0
    period: tuple[datetime.date, datetime.date] | None = None
    number: int | None = None
    leftovers: list[tuple[Block, str]] = []
    for i, block in enumerate(blocks[:HEADER_BLOCKS]):
        if len(block.text) > HEADER_TEXT_MAX:
            break
        rest = block.text
        found = False
        # The number first: in "No. 3 — 30 December 2025 - 5 January 2026"
        # the period does not start on the 3rd.
        if number is None and (n := find_number(rest)):
            number, rest, found = n[0], rest.replace(n[1], " ", 1), True
        if period is None and (p := find_period(rest)):
            period, rest, found = (p[0], p[1]), rest.replace(p[2], " ", 1), True
        if found:
            end = i + 1
        leftovers.append((block, _strip_separators(rest)))
    if not end:
        # No period and no number: the header is what comes before the
        # first headline, if anything does.
        first = next(
            (
                i
                for i, b in enumerate(blocks[:-1])
                if b.heading and not blocks[i + 1].heading and i < HEADER_BLOCKS
            ),
            0,
        )
        end = first
    title = ""
    # Our masthead's word (or a publisher's) says what, not which newsletter.
    candidates = [
        (b, rest) for b, rest in leftovers[:end] if rest and rest.casefold() not in _GENERIC
    ]
    if candidates:
        # A title set apart wins over a strapline.
        title = next((rest for b, rest in candidates if b.heading), candidates[0][1])
    if end == 0:
        return 0, period, number, "", []
    aside = [SetAside(b.text, b.where) for b, rest in leftovers[:end] if rest and rest != title]
    return end, period, number, title, aside


def _strip_separators(text: str) -> str:
    text = re.sub(r"\b(?:vol(?:ume)?\.?\s*\d+)\b", " ", text, flags=re.IGNORECASE)
    separators = " ·•|,;:–—-/"
    text = " ".join(text.split()).strip(separators)
    # A bracket left alone once the period or number inside it went:
    # "Grain Digest (No. 11)" -> "Grain Digest (" -> "Grain Digest".
    while text:
        if text[0] in "([" and text.count(text[0]) > text.count(_CLOSING[text[0]]):
            text = text[1:].strip(separators)
        elif text[-1] in ")]" and text.count(text[-1]) > text.count(_OPENING[text[-1]]):
            text = text[:-1].strip(separators)
        elif text.endswith(("()", "[]")):
            text = text[:-2].strip(separators)
        else:
            break
    return text


def _stories(blocks: list[Block]) -> tuple[list[_Story], list[SetAside]]:
    stories: list[_Story] = []
    set_aside: list[SetAside] = []
    current: _Story | None = None
    # Whether the file sets any headline apart (by style, weight, size...).
    marked = any(b.heading for b in blocks)
    for i, block in enumerate(blocks):
        alone = source_alone(block.text)
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if (
            (current is None or current.source or not marked)
            and not block.heading
            and _headline_like(block)
            and following is not None
            and not following.heading
            and not _headline_like(following)
        ):
            # A short line over a paragraph is a headline even if nothing
            # sets it apart: before the first story, after a story's
            # source, or anywhere in a file that sets nothing apart.
            block.heading = True
        if block.heading and alone is None and not _LINK.match(block.text):
            if current is not None and not current.body and not current.source:
                current.head.append(block)  # a headline over two lines
                continue
            current = _Story([block])
            stories.append(current)
            continue
        if current is None or current.source:
            if current is not None and not current.link and (link := _LINK.match(block.text)):
                current.link = link.group(1)
                continue
            set_aside.append(SetAside(block.text, block.where))
            continue
        if link := _LINK.match(block.text):
            current.link = current.link or link.group(1)
            continue
        if alone is not None and current.body:
            current.source = alone
            continue
        if not block.list_item and (found := source_at_end(block.text)):
            block.text, current.source = found
            if block.text:
                current.body.append(block)
            continue
        current.body.append(block)
    return stories, set_aside


def _headline_like(block: Block) -> bool:
    return (
        not block.list_item
        and len(block.text) <= HEADER_TEXT_MAX
        and not block.text.endswith((".", ",", ";", ":", "!", "?", ")", "]", "”", '"'))
        and source_alone(block.text) is None
        and _LINK.match(block.text) is None
    )


def _parsed(story: _Story) -> ParsedStory:
    head = story.head[0]
    headline = " ".join(b.text for b in story.head)
    if len(headline) > HEADLINE_MAX:
        raise IssueParseError(
            f"the headline at {head.where} is {len(headline)} characters long (at most"
            f" {HEADLINE_MAX}); is it a paragraph set in bold?",
            head.line,
        )
    if len(story.source) > SOURCE_MAX:
        raise IssueParseError(
            f"the source of “{headline[:60]}” is longer than {SOURCE_MAX} characters", head.line
        )
    parts: list[str] = []
    for block in story.body:
        if block.list_item and parts and parts[-1].startswith("- "):
            parts[-1] += f"\n- {block.text}"
        else:
            parts.append(f"- {block.text}" if block.list_item else block.text)
    link = story.link or next((b.link for b in [*story.head, *story.body] if b.link), "")
    return ParsedStory(
        headline=headline,
        paragraph="\n\n".join(parts),
        source=story.source,
        line=head.line,
        link=link,
        where=head.where,
    )


def _styles(blocks: list[Block]) -> str:
    counts = Counter(b.style or "set apart" for b in blocks if b.heading)
    # Each style says how it reads after "N blocks": "in bold 14 pt".
    if not counts:
        return "no block set apart from the body (bold, larger, coloured or a heading style)"
    return ", ".join(
        f"{n} block{'s' if n > 1 else ''} {style}" for style, n in counts.most_common(3)
    )


def _no_period(blocks: list[Block], title: str) -> str:
    named = f"the title “{title[:60]}” and " if title else ""
    return (
        f"found {named}{_styles(blocks)} but no period line (such as “9-15 March 2026” or"
        " “Week of 4 May 2026”) among the first lines; set the period"
    )


def _no_stories(blocks: list[Block]) -> str:
    return (
        f"found {len(blocks)} blocks of text and {_styles(blocks)}, but no headline followed"
        " by a paragraph; are the headlines set apart (bold, larger, coloured or a heading"
        " style)?"
    )
