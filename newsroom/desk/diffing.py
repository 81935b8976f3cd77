"""Word-level differences between two texts, for the history and conflict pages."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

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
