"""Read a PDF issue (ours, or one of the same layout) into the text form.

pypdf extracts the text line by line and tells us each run's font. Bold runs
are what structure an issue: the masthead, the headlines and the source in
parentheses are bold, the paragraphs are not. So we rebuild the text form that
`parse_issue_text` reads -- masthead parts run together with ``**``, one line
per headline, one line per paragraph ending ``(**Source**)`` -- and leave every
judgement about the issue to that one parser.

Our own PDFs carry one bookmark per story whose title is the headline
exactly; where the bookmarks match the headlines found, their text wins.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.errors import LimitReachedError, PyPdfError

from issues.importing.parsing import MASTHEAD, IssueParseError, parse_period
from issues.rendering.jobs import render_job

# WeasyPrint hyphenates with U+2010; a line ending with it continues the word.
_SOFT_HYPHENS = ("\u2010", "\u00ad")
# Page furniture: the renderer's page footer ("… Page 2 of 3").
_PAGE_FOOTER = re.compile(r"\bPage \d+ of \d+\s*$")
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
# What a back issue can need: a few pages whose drawing instructions (text
# operators, decompressed) are well under a megabyte. 2 million text
# operators, or a stream inflating to a gigabyte, are refused before the
# text extraction (pure Python) would spend minutes on them.
PAGES_MAX = 50
CONTENT_MAX = 5_000_000  # bytes, decompressed, all pages together


@dataclass
class _Run:
    text: str
    bold: bool


@dataclass
class _TextLine:
    page: int
    runs: list[_Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs).strip()

    @property
    def escaped(self) -> str:
        return _escape(self.text)

    @property
    def all_bold(self) -> bool:
        return bool(self.text) and all(run.bold for run in self.runs if run.text.strip())

    def marked(self) -> str:
        """The line with its bold runs wrapped in ** as the text form has them."""
        out = "".join(
            f"**{_escape(run.text.strip())}**"
            if run.bold and run.text.strip()
            else _escape(run.text)
            for run in self.runs
        )
        # Neighbouring bold runs are one bold phrase: "**Valley** **Courier**".
        return re.sub(r"\*\*(\s*)\*\*", r"\1", " ".join(out.split()))


def _escape(text: str) -> str:
    """Literal asterisks and backslashes, escaped as Markdown does."""
    return re.sub(r"([\\*])", r"\\\1", text)


def _open(data: bytes) -> tuple[PdfReader, list[PageObject]]:
    """The reader and its pages, within the bounds; IssueParseError if not."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IssueParseError(
                "the PDF is encrypted; save it again without a password and upload that", 1
            )
        pages = list(reader.pages)
    except (PyPdfError, ValueError, OSError, KeyError, TypeError, RecursionError) as exc:
        raise IssueParseError(f"this is not a readable PDF ({exc})", 1) from None
    if len(pages) > PAGES_MAX:
        raise IssueParseError(
            f"the PDF has {len(pages)} pages; an issue has at most {PAGES_MAX}", 1
        )
    total = 0
    for number, page in enumerate(pages, start=1):
        # Decompressed once here, bounded by pypdf's own limits, and
        # refused before the slow text extraction parses its operators.
        try:
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
        except LimitReachedError:
            size = CONTENT_MAX + 1
        except (PyPdfError, ValueError, OSError, KeyError, TypeError, RecursionError) as exc:
            raise IssueParseError(f"page {number} of the PDF is unreadable ({exc})", 1) from None
        total += size
        if size > CONTENT_MAX or total > CONTENT_MAX:
            raise IssueParseError(
                f"the PDF's pages hold more than {CONTENT_MAX // 1_000_000} MB of drawing"
                f" instructions once decompressed (page {number}); an issue needs far less."
                " Is it a scan, or a PDF built to be hard to read?",
                1,
            )
    return reader, pages


def pdf_lines(data: bytes) -> tuple[list[_TextLine], list[str]]:
    """Every text line of the PDF with its bold runs, and the bookmark titles."""
    reader, pages = _open(data)
    lines: list[_TextLine] = []
    for number, page in enumerate(pages, start=1):
        page_lines = [_TextLine(number)]

        def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
            name = str(font.get("/BaseFont", "")) if font else ""
            for i, part in enumerate(text.split("\n")):
                if i:
                    page_lines.append(_TextLine(number))  # noqa: B023 - called right here
                if part:
                    page_lines[-1].runs.append(_Run(part, bool(_BOLD_FONT.search(name))))  # noqa: B023

        try:
            page.extract_text(visitor_text=visit)
        except (PyPdfError, ValueError, OSError, KeyError, TypeError, RecursionError) as exc:
            raise IssueParseError(f"page {number} of the PDF is unreadable ({exc})", 1) from None
        page_lines = [line for line in page_lines if line.text]
        if page_lines and _PAGE_FOOTER.search(page_lines[-1].text):
            page_lines.pop()
        lines += page_lines
    try:
        bookmarks = [str(item.title) for item in reader.outline if not isinstance(item, list)]
    except Exception:  # a broken outline is only a missed hint
        bookmarks = []
    return lines, bookmarks


def _join(parts: list[str]) -> str:
    """Join the wrapped lines of one paragraph or headline."""
    text = ""
    for part in parts:
        # The break may fall inside a bold run: "(**Har‐**" + "**bour Tribune**)".
        bold = "**" if text.endswith("**") else ""
        word = text.removesuffix(bold)
        if word.endswith(_SOFT_HYPHENS):
            text = word[:-1] + bold + part
        elif word.endswith("-") and not word.endswith(" -"):
            text += part  # "four-" + "year"
        else:
            text = f"{text} {part}" if text else part
    return re.sub(r"\*\*(\s*)\*\*", r"\1", text)


@render_job
def pdf_to_text(data: bytes) -> str:
    """The PDF issue in the text form of the reference (see parsing.py)."""
    lines, bookmarks = pdf_lines(data)
    if not lines:
        raise IssueParseError(
            "the PDF has no text to read; is it a scan? Import the issue's text instead", 1
        )
    if lines[0].text.replace(" ", "").upper() != MASTHEAD:
        raise IssueParseError(
            "this PDF does not start with the masthead “NEWSLETTER”; is it an issue?", 1
        )
    # The sector may wrap; the period is the first line that reads as one.
    sector: list[str] = []
    rest = iter(lines[1:])
    period = ""
    for line in rest:
        try:
            parse_period(line.text)
        except ValueError:
            if len(sector) >= 3:
                period = line.escaped
                break
            sector.append(line.escaped)
            continue
        period = line.escaped
        break
    masthead = f"{MASTHEAD}**{_join(sector)}****{period}**"

    headlines: list[list[str]] = []
    paragraphs: list[list[str]] = []
    for line in rest:
        if line.all_bold:
            if headlines and len(paragraphs) < len(headlines):
                headlines[-1].append(line.escaped)  # a headline on two lines
            else:
                headlines.append([line.escaped])
        elif headlines:
            if len(paragraphs) < len(headlines):
                paragraphs.append([])
            finished = paragraphs[-1] and paragraphs[-1][-1].rstrip().endswith("**)")
            if not finished:  # after the source: page furniture, the issue's footer
                paragraphs[-1].append(line.marked())
    titles = [_join(head) for head in headlines]
    if len(bookmarks) == len(titles):
        titles = [_escape(title) for title in bookmarks]
    out = [masthead, ""]
    for i, title in enumerate(titles):
        out += [title, "", _join(paragraphs[i]) if i < len(paragraphs) else "", ""]
    return "\n".join(out)
