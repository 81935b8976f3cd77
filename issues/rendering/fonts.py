"""The HTML export's typefaces, carried inside the file.

The export is one self-contained document: opened from a disk, mailed on,
or kept in an archival PDF, it must make no request of any kind. So each of
our typefaces (static/fonts/) is subset and embedded as a WOFF2 `data:` URL
in its inline stylesheet.

A subset holds the Latin-1 letters and common punctuation (`BASE`) and every
other character of the document the face has: 14-24 KB a face, about 130 KB
for the seven (the whole faces would be 210 KB as WOFF2, 600 KB as TrueType).
Subsetting takes a second or so a face, so a render worker keeps the subsets
it made: with the base in every key, most issues (English text) share one
subset per face and pay for it once per worker.

Subsetting is deterministic (no timestamp is recalculated), so the same
issue still gives the same bytes.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
from collections.abc import Callable
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

_TAG = re.compile(r"<[^>]*>")
_HEAD = re.compile(r"<head\b.*?</head>", re.DOTALL | re.IGNORECASE)
# Text the print stylesheet generates (page numbers, running heads' joiner):
# a browser printing the export may draw it in our faces too.
_GENERATED = "Page of 0123456789 ·"
# Printable Basic Latin and Latin-1, the dashes, quotes and dots of General
# Punctuation, the euro sign.
BASE = frozenset(
    chr(code) for code in [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2010, 0x2027), 0x20AC]
)


def characters_used(document: str) -> str:
    """Every character the document's body shows, in both cases (the
    stylesheet transforms some text to capitals), sorted."""
    text = html.unescape(_TAG.sub(" ", _HEAD.sub("", document))) + _GENERATED
    characters = set(text) | set(text.upper()) | set(text.lower())
    return "".join(sorted(c for c in characters if c.isprintable() or c == "\u00a0"))


@functools.cache
def _coverage(path: Path) -> frozenset[str]:
    """The characters the face at `path` has a glyph for."""
    return frozenset(map(chr, TTFont(str(path), lazy=True).getBestCmap()))


@functools.lru_cache(maxsize=64)
def woff2_subset(path: Path, characters: str) -> bytes:
    """The face at `path` cut down to `characters`, as WOFF2 bytes."""
    options = Options()
    options.flavor = "woff2"
    # Keep the font's names (the OFL's copyright and licence lines) and
    # every layout feature (ligatures, kerning) the text may use.
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = TTFont(str(path), recalcTimestamp=False)
    subsetter = Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def embed_fonts(
    css: str, url_pattern: re.Pattern[str], find: Callable[[str], Path], text: str
) -> str:
    """`css` with each font URL that `url_pattern` matches (group 1: the
    static path, found by `find`) replaced by a WOFF2 data: URL of the face
    subset to `BASE` and the other characters of `text` it has."""
    wanted = BASE | set(characters_used(text))

    def data_url(match: re.Match[str]) -> str:
        path = find(match.group(1))
        subset = woff2_subset(path, "".join(sorted(wanted & _coverage(path))))
        encoded = base64.b64encode(subset).decode("ascii")
        return f'url("data:font/woff2;base64,{encoded}") format("woff2")'

    return url_pattern.sub(data_url, css)
