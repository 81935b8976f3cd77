"""PDFs made by Word, LibreOffice or a designer's tool, read by their layout.

pdfplumber gives every word with its font, size, colour and place. From
them, page by page:

1. columns: a vertical gutter that no word crosses and that has text on
   both sides makes two columns; rows crossing it (a title across the page)
   are read before the columns or after them, by where they stand;
2. rows: words on one baseline, with the font size, weight and colour most
   of their characters have;
3. running heads and feet: a row in the top or bottom margin that recurs on
   other pages (digits aside), or that is only a page number ("3", "Page 3
   of 4", "- 3 -"), is dropped; a recurring head is kept on page 1, where
   it may be the only title;
4. blocks: rows of one style close together make a paragraph; a row that
   starts with a bullet or "1." starts a list item; a paragraph that goes
   on into the next column or page is joined again.

A row is set apart (a headline, a title) when it differs from the body
text, the style most characters have: bold where the body is not, larger by
a point or more, or another colour.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from issues.importing.parsing import IssueParseError
from issues.importing.pdf import PAGES_MAX, _open
from issues.importing.recognise import Block

_GREYS = {0.0: "in black", 1.0: "in white"}
MARGIN = 0.08  # of the page's height: where running heads and feet stand
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]?\s*\d+\s*[-–—]?|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*(?:of|/)\s*\d+)$",
    re.IGNORECASE,
)
_PAGE_WORDS = re.compile(r"\bpage\s+\d+(?:\s+of\s+\d+)?\b", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[•·▪◦●○■□–\-*\uf0b7\uf0a7]|\d{1,2}[.)])$")
_SENTENCE_END = (".", "!", "?", ":", ")", "]", "”", '"', "’")


@dataclass
class _Row:
    page: int
    top: float
    bottom: float
    x0: float
    text: str
    size: float
    bold: bool
    colour: tuple[float, ...]
    column: int  # 0: across the page, 1 and 2: the columns

    @property
    def style(self) -> tuple[float, bool, tuple[float, ...]]:
        return (self.size, self.bold, self.colour)


def _colour(value: Any) -> tuple[float, ...]:
    if value is None:
        return (0.0,)
    if isinstance(value, (int, float)):
        value = (value,)
    try:
        values = tuple(round(float(v), 2) for v in value)
    except (TypeError, ValueError):
        return (0.0,)
    if len(values) == 3 and values[0] == values[1] == values[2]:
        return (values[0],)  # a grey in RGB is the same grey
    if len(values) == 4 and values[:3] == (0.0, 0.0, 0.0):
        return (round(1 - values[3], 2),)  # CMYK black
    return values


def _gutter(words: list[dict[str, Any]], width: float) -> float | None:
    """x of a gutter between two columns, if the page has one: a line that
    almost no row of words crosses, with rows wholly on either side of it."""
    if len(words) < 20:
        return None
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and abs(word["top"] - rows[-1][0]["top"]) <= 2:
            rows[-1].append(word)
        else:
            rows.append([word])
    best: tuple[int, float, float] | None = None
    for step in range(30, 71):
        x = width * step / 100
        crossing = sum(1 for row in rows if any(w["x0"] < x < w["x1"] for w in row))
        left = sum(1 for row in rows if all(w["x1"] <= x for w in row))
        right = sum(1 for row in rows if all(w["x0"] >= x for w in row))
        if min(left, right) >= 3 and crossing <= 0.1 * len(rows):
            candidate = (crossing, abs(step - 50), x)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None


def _rows(words: list[dict[str, Any]], page: int, column: int) -> list[_Row]:
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(word["top"] - rows[-1][0]["top"]) <= max(2.0, 0.3 * word["size"]):
            rows[-1].append(word)
        else:
            rows.append([word])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        weight: Counter[tuple[float, bool, tuple[float, ...]]] = Counter()
        for w in row:
            style = (
                round(w["size"] * 2) / 2,
                bool(_BOLD_FONT.search(w["fontname"])),
                _colour(w.get("non_stroking_color")),
            )
            weight[style] += len(w["text"])
        (size, bold, colour), _ = weight.most_common(1)[0]
        bold = all(_BOLD_FONT.search(w["fontname"]) for w in row)
        out.append(
            _Row(
                page,
                min(w["top"] for w in row),
                max(w["bottom"] for w in row),
                row[0]["x0"],
                " ".join(w["text"] for w in row),
                size,
                bold,
                colour,
                column,
            )
        )
    return out


def _page_rows(page: Any, number: int) -> list[_Row]:
    words = page.extract_words(
        extra_attrs=["fontname", "size", "non_stroking_color"], keep_blank_chars=False
    )
    gutter = _gutter(words, float(page.width))
    if gutter is None:
        return _rows(words, number, 0)
    # Bands down the page: a row across the gutter (a title, a period line
    # across the page) is read where it stands; between such rows, the left
    # column and then the right.
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1][0]["top"]) <= 2:
            lines[-1].append(word)
        else:
            lines.append([word])
    out: list[_Row] = []
    band: list[dict[str, Any]] = []

    def flush() -> None:
        out.extend(_rows([w for w in band if w["x1"] <= gutter], number, 1))
        out.extend(_rows([w for w in band if w["x1"] > gutter], number, 2))
        band.clear()

    for line in lines:
        if _across(line, gutter):
            flush()
            out.extend(_rows(line, number, 0))
        else:
            band.extend(line)
    flush()
    return out


def _across(line: list[dict[str, Any]], gutter: float) -> bool:
    """Does this row run across the gutter (a word on it, or a gap at it
    no wider than a word space of its type)?"""
    if any(w["x0"] < gutter < w["x1"] for w in line):
        return True
    left = [w["x1"] for w in line if w["x1"] <= gutter]
    right = [w["x0"] for w in line if w["x0"] >= gutter]
    size = max(w["size"] for w in line)
    return bool(left and right) and min(right) - max(left) < size


def _drop_furniture(pages: list[list[_Row]], heights: list[float]) -> list[_Row]:
    def key(row: _Row) -> str:
        return re.sub(r"\d+", "#", row.text.casefold())

    def margin(row: _Row) -> str:
        height = heights[row.page - 1]
        if row.top < height * MARGIN:
            return "head"
        if row.bottom > height * (1 - MARGIN):
            return "foot"
        return ""

    seen: Counter[str] = Counter()
    for rows in pages:
        seen.update({key(r) for r in rows if margin(r)})
    kept = []
    for rows in pages:
        for row in rows:
            where = margin(row)
            if where and _PAGE_NUMBER.match(row.text):
                continue
            if where == "foot" and (seen[key(row)] > 1 or _PAGE_WORDS.search(row.text)):
                continue
            if where == "head" and row.page > 1 and seen[key(row)] > 1:
                continue
            kept.append(row)
    return kept


def _describe(size: float, bold: bool, colour: tuple[float, ...], body: tuple[Any, ...]) -> str:
    parts = ["in bold"] if bold else ["in"]
    parts.append(f"{size:g} pt")
    if colour != body[2]:
        parts.append("in colour" if len(colour) > 1 else _GREYS.get(colour[0], "in grey"))
    return " ".join(parts)


def _blocks(rows: list[_Row]) -> list[Block]:
    weight: Counter[tuple[float, bool, tuple[float, ...]]] = Counter()
    for row in rows:
        weight[row.style] += len(row.text)
    body = weight.most_common(1)[0][0]

    def apart(row: _Row) -> bool:
        return (row.bold and not body[1]) or row.size >= body[0] + 1 or row.colour != body[2]

    blocks: list[Block] = []
    previous: _Row | None = None
    for row in rows:
        words = row.text.split(" ", 1)
        bullet = len(words) > 1 and bool(_BULLET.match(words[0]))
        text = words[1] if bullet else row.text
        same_place = (
            previous is not None
            and previous.page == row.page
            and previous.column == row.column
            and 0 <= row.top - previous.bottom < 0.6 * row.size
        )
        goes_on = (
            previous is not None
            and blocks
            and not apart(row)
            and not apart(previous)
            and not blocks[-1].text.endswith(_SENTENCE_END)
            and text[:1].islower()
        )
        if (
            previous is not None
            and blocks
            and not bullet
            and previous.style == row.style
            and (same_place or goes_on)
        ):
            block = blocks[-1]
            if block.text.endswith(("\u00ad", "\u2010")):
                block.text = block.text[:-1] + text
            else:
                block.text += " " + text
        else:
            heading = apart(row)
            blocks.append(
                Block(
                    text,
                    f"page {row.page}",
                    len(blocks) + 1,
                    heading=heading,
                    style=_describe(row.size, row.bold, row.colour, body) if heading else "",
                    list_item=bullet,
                )
            )
        previous = row
    return blocks


def pdf_blocks(data: bytes) -> list[Block]:
    """Blocks of a PDF read by its layout (run in a render worker)."""
    _open(data)  # pypdf's bounds: page count, drawing instructions
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > PAGES_MAX:
                raise IssueParseError(f"the PDF has more than {PAGES_MAX} pages", 1)
            pages = [_page_rows(page, n) for n, page in enumerate(pdf.pages, start=1)]
            heights = [float(page.height) for page in pdf.pages]
    except IssueParseError:
        raise
    except (PDFSyntaxError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IssueParseError(f"this is not a readable PDF ({exc})", 1) from None
    except Exception as exc:  # pdfminer has many of its own; none is the editor's to fix
        raise IssueParseError(
            f"this PDF could not be read ({type(exc).__name__}); export it again from its"
            " source, or import its text",
            1,
        ) from None
    rows = _drop_furniture(pages, heights)
    if not rows:
        raise IssueParseError(
            "the PDF has no text to read; is it a scan? Import the issue's text instead", 1
        )
    return _blocks(rows)
