"""Small typesetting fixes applied to an issue's HTML before it is laid out.

Chinese, Japanese and Korean text has no spaces, so a line may break between
any two characters, including inside a person's name. In the PDF's text layer
such a name then reads back with a line break in it ("林\\n小红"), and search,
copy and our own PDF import no longer find it. A short run of these
characters (a name, a place) is wrapped in `<span class="cjk-run">`, which the
issue stylesheet keeps on one line; longer runs (a sentence) still break.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Han (with extensions and compatibility ideographs), kana, Hangul, bopomofo.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
LONGEST_KEPT_WHOLE = 6
_RUN = re.compile(f"[{_CJK}]+")
# A tag as nh3 and Django serialise it: attribute values are always quoted.
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")


def _wrap(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) < 2 or len(run) > LONGEST_KEPT_WHOLE:
        return run
    return f'<span class="cjk-run">{run}</span>'


def keep_cjk_names_whole(html: str) -> SafeString:
    """`html` (safe markup) with each short CJK run in the text wrapped; tags
    and their attributes are left exactly as they are."""
    pieces = _TAG.split(html)
    for index in range(0, len(pieces), 2):  # even pieces are text, odd ones tags
        pieces[index] = _RUN.sub(_wrap, pieces[index])
    return mark_safe("".join(pieces))


def keep_cjk_names_whole_in_text(text: str) -> SafeString:
    """The same for plain text (a headline), escaped first."""
    return keep_cjk_names_whole(escape(text))
