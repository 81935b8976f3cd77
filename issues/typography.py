"""Typographic quotes and dashes for the printed issue.

Editors type straight quotes and double hyphens; a printed newsletter has
curly quotes and dashes: "--" (or "---") is an em dash, and "--" between two
figures an en dash (1--10 million: 1–10 million). The
renderer turns them at the data level (the headline's text, the body's text
nodes), so that the PDF and the HTML export say exactly the same thing, and
markup (attributes, tags) is never touched.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(<[^>]*>)")
_BLOCK_TAG = re.compile(r"^</?(?:p|li|ul|ol|br)\b", re.IGNORECASE)
# After these (or at the start of a block) a quote opens; elsewhere it closes.
_OPENS_AFTER = frozenset(" \t\n\r\u00a0([{“‘—–-/")
_ESCAPED_QUOTES = {"&quot;": '"', "&#34;": '"', "&#39;": "'", "&#x27;": "'"}
_DASHES = (
    (re.compile(r"---"), "—"),
    (re.compile(r"(?<=\d)--(?=\d)"), "–"),
    (re.compile(r"--"), "—"),
)


def smarten(text: str, before: str = " ") -> str:
    """`text` with typographic quotes and dashes; `before` is the character
    preceding it."""
    for hyphens, dash in _DASHES:
        text = hyphens.sub(dash, text)
    out: list[str] = []
    previous = before
    for i, char in enumerate(text):
        if char == '"':
            char = "“" if previous in _OPENS_AFTER else "”"
        elif char == "'":
            following = text[i + 1 : i + 2]
            # ’90s and rock ’n’ roll elide letters: an apostrophe, not a quote.
            opens = previous in _OPENS_AFTER and not following.isdigit()
            char = "‘" if opens and text[i + 1 : i + 3] != "n'" else "’"
        out.append(char)
        previous = char
    return "".join(out)


def smarten_html(html: str) -> str:
    """`html` with typographic quotes and dashes in its text, its tags left
    as they are."""
    out: list[str] = []
    previous = " "
    for part in _TAG.split(html):
        if part.startswith("<"):
            out.append(part)
            if _BLOCK_TAG.match(part):
                previous = " "
            continue
        for escaped, char in _ESCAPED_QUOTES.items():
            part = part.replace(escaped, char)
        part = smarten(part, previous)
        out.append(part)
        previous = part[-1:] or previous
    return "".join(out)
