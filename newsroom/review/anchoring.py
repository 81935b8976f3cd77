"""Where a commented passage is now, after the text around it was edited.

A comment keeps the words it was made on (the quote), where they stood (start
and end offsets in the story's plain text) and a little of the text on either
side (prefix and suffix). After an edit, `locate` finds the passage again:

1. the quote itself, wherever it still occurs; of several occurrences, the
   one whose surroundings best match the old context, then the one nearest
   the old position;
2. else the text between the old prefix and suffix (the words inside the
   passage were edited, the passage is still there): "edited";
3. else nothing: the passage changed beyond recognition ("lost").

Pure functions on strings, so that they are easy to test and reuse.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.html import strip_tags

CONTEXT = 32
# Context shorter than this is too common a string to find a passage by.
MIN_CONTEXT = 8
BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li)>", re.IGNORECASE)


class Found(StrEnum):
    EXACT = "exact"
    EDITED = "edited"
    LOST = "lost"


@dataclass(frozen=True)
class Anchor:
    quote: str
    start: int
    end: int
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Located:
    found: Found
    start: int = 0
    end: int = 0


def plain_text(body_html: str) -> str:
    """The text a reader sees, as the browser's textContent gives it: tags
    dropped, entities decoded. Offsets of comments count in this text."""
    return html.unescape(strip_tags(body_html or ""))


def anchor_at(text: str, quote: str, near: int = 0) -> Anchor | None:
    """The anchor for `quote` in `text`, at the occurrence nearest `near`
    (the offset the browser reported); None if `text` does not contain it."""
    quote = quote.strip()
    starts = _occurrences(text, quote) if quote else []
    if not starts:
        return None
    start = min(starts, key=lambda i: abs(i - near))
    return _anchor(text, start, start + len(quote))


def _anchor(text: str, start: int, end: int) -> Anchor:
    return Anchor(
        quote=text[start:end],
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )


def reanchored(text: str, old: Anchor) -> tuple[Located, Anchor]:
    """`locate`, and the anchor to store from now on (the old one if lost)."""
    where = locate(text, old)
    if where.found is Found.LOST:
        return where, old
    new = _anchor(text, where.start, where.end)
    if where.found is Found.EDITED:
        # Keep the words the comment was made on; only the position moves.
        new = Anchor(old.quote, new.start, new.end, new.prefix, new.suffix)
    return where, new


def locate(text: str, old: Anchor) -> Located:
    starts = _occurrences(text, old.quote) if old.quote else []
    if starts:
        best = max(starts, key=lambda i: (_context_score(text, i, old), -abs(i - old.start)))
        return Located(Found.EXACT, best, best + len(old.quote))
    between = _between_context(text, old)
    if between is not None:
        return Located(Found.EDITED, *between)
    return Located(Found.LOST)


def _occurrences(text: str, needle: str) -> list[int]:
    found, i = [], text.find(needle)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def _context_score(text: str, start: int, old: Anchor) -> int:
    """How many characters of the old prefix and suffix still surround `start`."""
    before = text[:start]
    after = text[start + len(old.quote) :]
    score = 0
    for a, b in zip(reversed(before), reversed(old.prefix), strict=False):
        if a != b:
            break
        score += 1
    for a, b in zip(after, old.suffix, strict=False):
        if a != b:
            break
        score += 1
    return score


def _between_context(text: str, old: Anchor) -> tuple[int, int] | None:
    """The span between the old prefix and suffix, if both are still there,
    in order and not too far apart, preferring the one nearest the old start."""
    limit = 2 * len(old.quote) + CONTEXT
    candidates = []
    for size in (CONTEXT, MIN_CONTEXT * 2, MIN_CONTEXT):
        prefix, suffix = old.prefix[-size:], old.suffix[:size]
        if (prefix and len(prefix) < MIN_CONTEXT and old.start >= MIN_CONTEXT) or (
            suffix and len(suffix) < MIN_CONTEXT and len(old.suffix) >= MIN_CONTEXT
        ):
            continue
        starts = [i + len(prefix) for i in _occurrences(text, prefix)] if prefix else [0]
        for start in starts:
            end = text.find(suffix, start) if suffix else len(text)
            if end != -1 and 0 < end - start <= limit:
                candidates.append((start, end))
        if candidates:
            return min(candidates, key=lambda span: abs(span[0] - old.start))
    return None
