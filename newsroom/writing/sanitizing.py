"""The one allowlist for story bodies, shared by the editor and the sanitiser.

django-prose-editor derives the nh3 allowlist from the same extension list
that configures the editor's toolbar, so what an editor can make is exactly
what survives sanitising: paragraphs, line breaks, bold, italic, links and
lists. Bodies are sanitised when saved and again when rendered; a paste from
a word processor is tidied into that markup first (newsroom.writing.pasting).

Before any of that, `check_body_bounds` refuses a body that is too long or
nested too deep: a list nested 10,000 levels deep is 180 KB of HTML that
takes the sanitiser seconds and the PDF layout minutes and gigabytes. The
check counts characters on the raw text before anything parses it, then
depth on the tree an HTML5 parser builds, without recursion.
"""

import re

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_prose_editor.config import allowlist_from_extensions
from django_prose_editor.fields import create_sanitizer

from newsroom.writing.pasting import depths, drop_repeated_headline, tidy_pasted

BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "HardBreak": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
}

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# A host name typed without a scheme: www.example.org/plans, example.org.
_HOST = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#:]|$)", re.IGNORECASE)


# "plans.html" is a file next to the page, not a host.
_FILE_ENDINGS = (".html", ".htm", ".php", ".asp", ".aspx", ".jsp", ".pdf", ".txt")


def absolute_link(href: str) -> str | None:
    """A link as a story may keep it: with its scheme. "www.example.org/plans"
    becomes "https://www.example.org/plans"; a relative link (which would
    point into our own site, or nowhere in a PDF) is dropped (None)."""
    href = href.strip()
    if _SCHEME.match(href):
        return href
    if href.startswith("//"):
        return f"https:{href}"
    host = _HOST.match(href)
    if host and not host.group(0).rstrip("/?#:").lower().endswith(_FILE_ENDINGS):
        return f"https://{href}"
    return None


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    return absolute_link(value) if tag == "a" and attribute == "href" else value


_allowlist = allowlist_from_extensions(BODY_EXTENSIONS)
_links_made_absolute = nh3.Cleaner(**_allowlist, attribute_filter=_only_absolute_links)
_sanitize = create_sanitizer(BODY_EXTENSIONS)


def sanitize_body(html: str, *, headline: str = "") -> str:
    """The body with only the allowlist's markup, and every link absolute.

    What a paste from a word processor brings (fake bullets, tables, headings,
    styled marks) is first made into the editor's own markup
    (newsroom.writing.pasting); given the story's `headline`, a first paragraph that
    only repeats it is dropped."""
    body = _sanitize_once(html, headline)
    # Tidying builds a tree that an HTML5 parser may read back differently
    # (a paragraph left empty inside a link, a link within a link), and the
    # next pass would tidy that again. Sanitising again until nothing changes
    # makes `sanitize_body(sanitize_body(x)) == sanitize_body(x)`, which the
    # property test in tests/test_sanitizing.py holds us to; one more pass
    # settles every fragment it has found.
    for _ in range(_MAX_PASSES):
        again = _sanitize_once(body, headline)
        if again == body:
            break
        body = again
    return body


_MAX_PASSES = 3


def _sanitize_once(html: str, headline: str) -> str:
    body = tidy_pasted(html)
    if headline:
        body = drop_repeated_headline(body, headline)
    return _sanitize(_links_made_absolute.clean(body))


# A story is one paragraph of 60-90 words, about 600 characters; these
# bounds leave ample room and stop what no editor writes by hand.
MAX_BODY_LENGTH = 20_000  # characters of HTML, formatting included
MAX_LIST_DEPTH = 5  # lists within lists
MAX_NESTING = 30  # elements within elements, of any kind
BODY_LIMITS = (
    f"At most {MAX_BODY_LENGTH:,} characters including formatting;"
    f" lists nest at most {MAX_LIST_DEPTH} levels deep."
)


def check_body_bounds(html: str) -> None:
    """Refuse (ValidationError) a body longer than MAX_BODY_LENGTH or nested
    deeper than the limits.

    The length is checked on the raw text first, so that nothing parses a
    2 MB body. The depth is that of the tree an HTML5 parser builds, counted
    without recursion (`newsroom.writing.pasting.depths`): `<b/>` opens a b element,
    `</br>` is a line break, an open <li> or <p> ends where the next begins."""
    if len(html) > MAX_BODY_LENGTH:
        raise ValidationError(
            f"The text is {len(html):,} characters long including formatting;"
            f" a story may have at most {MAX_BODY_LENGTH:,}.",
            code="body_too_long",
        )
    for depth, lists in depths(html):
        if lists > MAX_LIST_DEPTH:
            raise ValidationError(
                f"Lists are nested more than {MAX_LIST_DEPTH} levels deep;"
                " bring the inner lists up a level.",
                code="lists_too_deep",
            )
        if depth > MAX_NESTING:
            raise ValidationError(
                f"The formatting is nested more than {MAX_NESTING} levels deep;"
                " simplify it (fewer lists within lists, less bold within italic).",
                code="body_too_deep",
            )


def editor_allowlist() -> dict[str, str | list[str]]:
    """The same allowlist, for the editor's live preview and its link dialog
    in the browser (sent as a json_script), so the page never keeps a copy of
    its own: the tags, the link schemes, and what `absolute_link` takes for a
    host name (the dialog offers https:// for those)."""
    allowed = allowlist_from_extensions(BODY_EXTENSIONS)
    return {
        "tags": sorted(tag.upper() for tag in allowed["tags"]),
        "schemes": sorted(f"{scheme}:" for scheme in allowed["url_schemes"]),
        "host": _HOST.pattern,
        "file_endings": list(_FILE_ENDINGS),
    }


def body_with_source(body: str, source_name: str | None) -> SafeString:
    """The body as an issue prints it: sanitised, with the source cited at the
    end of its last paragraph (or of the last item of a list that ends it),
    "… (<strong>Harbour Tribune</strong>)".

    The one definition, used by the desk's preview and by the renderer.
    """
    html = sanitize_body(body or "").strip()
    if not source_name:
        return mark_safe(html)  # sanitised just above
    citation = format_html('<span class="source">(<strong>{}</strong>)</span>', source_name)
    # At the end of the last paragraph, or of the last item of a closing
    # list: the source never prints alone on a line of its own.
    last = _LAST_BLOCK_END.search(html)
    if last:
        return mark_safe(html[: last.start()] + " " + citation + html[last.start() :])
    return mark_safe(html + format_html('<p class="source-line">{}</p>', citation))


# The end of the body's last block of text: a </p> or </li> followed only by
# the ends of the lists and items around it.
_LAST_BLOCK_END = re.compile(r"</(?:p|li)>(?:\s*</(?:p|li|ul|ol)>)*\s*\Z")
