"""Small typesetting fixes applied to an issue's HTML before it is laid out.

Chinese, Japanese and Korean text has no spaces, so a line may break between
any two characters, including inside a person's name. In the PDF's text layer
such a name then reads back with a line break in it ("林\\n小红"), and search,
copy and our own PDF import no longer find it. A short run of these
characters (a name, a place) is wrapped in `<span class="cjk-run">`, which the
issue stylesheet keeps on one line; longer runs (a sentence) still break.

Every run of these characters, short or long, also carries its language
(`lang="zh"`, or "ja" with kana in it, "ko" with Hangul), so that a screen
reader voices it in that language; the renderer gives the PDF's structure
element for such a span its /Lang. Stories are written in English; the
scripts of other languages are not told apart here.
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
# CJK punctuation and full-width forms belong to a run between its characters.
_CJK_PUNCTUATION = "\u3000-\u3004\u3008-\u303f\uff01-\uff65"
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
LONGEST_KEPT_WHOLE = 6
_RUN = re.compile(f"[{_CJK}]+(?:[{_CJK_PUNCTUATION}]+[{_CJK}]+)*")
# A tag as nh3 and Django serialise it: attribute values are always quoted.
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")


def language_of(run: str) -> str:
    """The language a run of CJK characters is most likely in."""
    if _HANGUL.search(run):
        return "ko"
    if _KANA.search(run):
        return "ja"
    return "zh"


def _wrap(match: re.Match[str]) -> str:
    run = match.group(0)
    kept_whole = 2 <= len(run) <= LONGEST_KEPT_WHOLE
    kept = ' class="cjk-run"' if kept_whole else ""
    return f'<span lang="{language_of(run)}"{kept}>{run}</span>'


def keep_cjk_names_whole(html: str) -> SafeString:
    """`html` (safe markup) with each CJK run in the text wrapped in a span
    that names its language (short ones kept whole); tags and their
    attributes are left exactly as they are."""
    pieces = _TAG.split(html)
    for index in range(0, len(pieces), 2):  # even pieces are text, odd ones tags
        pieces[index] = _RUN.sub(_wrap, pieces[index])
    return mark_safe("".join(pieces))


def keep_cjk_names_whole_in_text(text: str) -> SafeString:
    """The same for plain text (a headline), escaped first."""
    return keep_cjk_names_whole(escape(text))
