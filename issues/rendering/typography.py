"""Typographic quotes and dashes for the printed issue.

Editors type straight quotes and `--`; a printed newsletter has curly quotes
and real dashes. The renderer turns them at the data level (the headline's
text, the body's text nodes), so that the PDF and the HTML export say exactly
the same thing, and markup (attributes, tags) is never touched. The issue
page, the feeds and the mail use the same functions, so every reader sees the
same characters.

Dashes: `---` is an em dash; `--` between digits (`1990--2000`) an en dash;
any other `--` an em dash. A single hyphen stays a hyphen.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(<[^>]*>)")
_BLOCK_TAG = re.compile(r"^</?(?:p|li|ul|ol|br)\b", re.IGNORECASE)
# After these (or at the start of a block) a quote opens; elsewhere it closes.
_OPENS_AFTER = frozenset(" \t\n\r\u00a0([{“‘—–-/")
_EM_DASH = re.compile(r"---|--(?!\d)|(?<!\d)--")
_EN_DASH = re.compile(r"(?<=\d)--(?=\d)")
_ESCAPED_QUOTES = {"&quot;": '"', "&#34;": '"', "&#39;": "'", "&#x27;": "'"}


def smarten(text: str, before: str = " ") -> str:
    """`text` with typographic quotes and dashes; `before` is the character
    preceding it."""
    text = _EN_DASH.sub("–", _EM_DASH.sub("—", text)) if "--" in text else text
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
    """`html` with typographic quotes and dashes in its text, its tags left as
    they are."""
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
