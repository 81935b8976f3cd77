"""Word-level differences between two texts, for the history and conflict pages."""

from __future__ import annotations

import html
import re
from difflib import SequenceMatcher

from django.utils.html import strip_tags

# Tags stay whole tokens, so a change of formatting shows as such.
TOKENS = re.compile(r"<[^>]+>|[^\s<]+|\s+")

type Diff = list[tuple[str, str]]


def word_diff(old: str, new: str) -> Diff:
    """[("equal" | "delete" | "insert", text), ...] turning `old` into `new`."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    chunks: Diff = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            chunks.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            chunks.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            chunks.append(("insert", "".join(b[j1:j2])))
    return chunks


def has_changes(diff: Diff) -> bool:
    return any(op != "equal" for op, _ in diff)


_BLOCK_END = re.compile(r"</p>|</li>|<br\s*/?>", re.IGNORECASE)


def readable_text(body: str) -> str:
    """A story body as a reader sees it: its text, a blank line between
    paragraphs, no tags (the history compares what readers read)."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n\n", body or "")))
    return "\n\n".join(part.strip() for part in text.split("\n\n") if part.strip())
