"""An issue as one HTML document and as a print-quality PDF.

This is the only module that imports WeasyPrint. Both outputs come from one
template, `templates/issues/render/issue.html`, and one stylesheet,
`static/css/issue.css`: the HTML carries it inline with its typefaces as
data: URLs (a single self-contained file that makes no request), the PDF
gets it and the print-only `issue-print.css` (page boxes, running heads,
bookmarks) parsed once per process. docs/standards.md says what each output
conforms to.

Rendering is reproducible: the same issue gives the same bytes on any
machine that passes the prerequisite check (newsroom/prerequisites.py),
because every date in the output comes from the issue (never from the clock;
SOURCE_DATE_EPOCH is set from it around the layout, for the font tools that
stamp a time), the PDF identifier is derived from the content, and the
typefaces are our own files in static/fonts/ (a system Noto CJK font only
for Chinese, Japanese and Korean). Publishing stores the sha256 of both
artifacts and the renderer's version, so a re-render can be compared honestly.

Story bodies are sanitised when saved and again here. Whatever still reaches
WeasyPrint goes through `fetch_resource`, which serves our own static files
and small data: URLs and refuses everything else, so an issue can never make
the server open a local file or a network connection.

Both documents are built in a render worker (issues.rendering.pool), within its
time and memory limits: a body stored before the limits existed (a list
nested thousands deep) takes seconds to sanitise and minutes to lay out,
and must not hold a web process meanwhile. This process reads only what the
document is made of (`document_input`, plain values); the worker never
touches the database.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import functools
import hashlib
import io
import json
import logging
import os
import posixpath
import re
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, unquote_to_bytes

import PIL.Image
import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks
from django.core.exceptions import SuspiciousFileOperation
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from weasyprint import CSS, HTML, Attachment
from weasyprint import __version__ as weasyprint_version
from weasyprint import document as weasyprint_document
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import stream as weasyprint_stream
from weasyprint.pdf import tags as weasyprint_tags
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from issues.rendering import jobs, pool
from issues.rendering.fonts import embed_fonts
from issues.rendering.jobs import render_job
from issues.rendering.typesetting import keep_cjk_names_whole, keep_cjk_names_whole_in_text
from issues.rendering.typography import smarten, smarten_html
from issues.rendering.xmp import one_rdf
from newsroom import prerequisites
from newsroom.text import printable
from newsroom.writing.sanitizing import body_with_source

if TYPE_CHECKING:
    from issues.models import Issue
    from issues.models.editions import Correction

logger = logging.getLogger(__name__)
# Said instead of the exception, whose text may name server paths or hosts.
DETAILS_LOGGED = "The details are in the server log; tell the administrator if it keeps failing."

TEMPLATE = "issues/render/issue.html"
STYLESHEET = "css/issue.css"
# Page boxes, running heads and bookmarks: the PDF's alone (no browser reads
# them, and the HTML export's CSS stays valid).
PRINT_STYLESHEET = "css/issue-print.css"
FONTS = "fonts"
# Our own static files are addressed through a private scheme, so that no
# URL a story could contain (http:, https:, file:) ever maps onto them.
STATIC_SCHEME = "newsroomstatic:"
# Inline images in a body are fine when small; anything bigger is refused
# rather than decoded (a data: URL can be hundreds of megabytes).
MAX_DATA_URL_BYTES = 64 * 1024
# An image's pixels are what it costs to draw, whatever its file size: a
# 17 KB PNG can declare 100,000 x 100,000 pixels (a "pixel bomb").
MAX_IMAGE_PIXELS = 4096 * 4096
PDF_VARIANT = "pdf/ua-1"
# A newsletter may ask for archival PDFs: PDF/A-3b, still tagged and still
# declaring PDF/UA-1 (WeasyPrint writes one variant's metadata; the other
# claim, with the PDF/A extension schema declaring it, is merged in from this
# file: issues/rendering/xmp.py), with the issue's HTML embedded.
ARCHIVAL_VARIANT = "pdf/a-3b"
PDFUA_XMP = "pdf/pdfua-1.xmp"


class RenderError(Exception):
    """The issue could not be rendered. The message is for the desk."""


class RefusedURL(ValueError):
    """A resource the renderer will not fetch. WeasyPrint skips it and goes on."""


def _static_path(url: str) -> Path:
    """The file a `newsroomstatic:` URL names, found by the static finders."""
    relative = unquote(url.removeprefix(STATIC_SCHEME).split("?")[0].split("#")[0])
    normalised = posixpath.normpath(relative.lstrip("/"))
    if normalised.startswith("..") or "\\" in relative or "\x00" in relative:
        raise RefusedURL(f"not one of our static files: {url}")
    try:
        found = finders.find(normalised)
    except SuspiciousFileOperation as exc:
        raise RefusedURL(f"not one of our static files: {url}") from exc
    if not found or not Path(found).is_file():  # "." or "css" finds a folder
        raise RefusedURL(f"no such static file: {url}")
    return Path(found)


def _decode_data_url(url: str) -> tuple[str, bytes]:
    header, _, payload = url.removeprefix("data:").partition(",")
    # Base64 grows data by a third; refuse before decoding anything.
    if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
        raise RefusedURL(f"data: URL over {MAX_DATA_URL_BYTES} bytes")
    mime_type = header.split(";")[0] or "text/plain"
    if header.endswith(";base64"):
        data = base64.b64decode(payload, validate=False)
    else:
        data = unquote_to_bytes(payload)
    if len(data) > MAX_DATA_URL_BYTES:
        raise RefusedURL(f"data: URL over {MAX_DATA_URL_BYTES} bytes")
    _refuse_images_we_did_not_make(mime_type, data)
    return mime_type, data


def _refuse_images_we_did_not_make(mime_type: str, data: bytes) -> None:
    """A data: URL may carry a small stylesheet or font, but an image only if
    it is a plain raster image of sane dimensions. Pillow reads the header
    alone (never the pixels) to tell; SVG, which WeasyPrint would draw
    itself, is refused outright: our own images are static files."""
    if "svg" in mime_type.lower() or b"<svg" in data[:4096].lower():
        raise RefusedURL("an SVG image in a data: URL")
    try:
        with warnings.catch_warnings():
            # Pillow warns of big images; the decision is ours, just below.
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            with PIL.Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except PIL.Image.DecompressionBombError as exc:
        raise RefusedURL(f"an image of too many pixels: {exc}") from None
    except Exception:
        return  # not an image Pillow reads, so not one WeasyPrint draws
    if width * height > MAX_IMAGE_PIXELS:
        raise RefusedURL(f"an image of {width} x {height} pixels (at most {MAX_IMAGE_PIXELS:,})")


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, locked down: our static files and small data:
    URLs only. It never calls the urllib machinery it inherits."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(STATIC_SCHEME):
            path = _static_path(url)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _content_type(path)})
        if url[:5].lower() == "data:":
            mime_type, data = _decode_data_url(url)
            return URLFetcherResponse(url[:40], data, {"Content-Type": mime_type})
        logger.warning("Refused to fetch %s while rendering an issue", url[:200])
        raise RefusedURL(f"refused: {url[:200]}")


def _content_type(path: Path) -> str:
    return {
        ".css": "text/css",
        ".xmp": "application/rdf+xml",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".ttf": "font/ttf",
        ".woff2": "font/woff2",
    }.get(path.suffix.lower(), "application/octet-stream")


fetch_resource = StaticOnlyFetcher(allowed_protocols=())

# Two additions to WeasyPrint 70's tagged PDF, each checked by
# tests/test_pdf_standards.py (a WeasyPrint upgrade that changes these
# internals fails there, not silently):
#
# 1. Running heads and footers (the margin boxes of issue-print.css) are
#    drawn as /Artifact marked content, as PDF/UA asks of page furniture.
#    WeasyPrint gives their text MCIDs that no structure element in the tree
#    names; a reader of the tree skipped them, a checker of content did not.
# 2. An element with its own language (a run of Chinese in an English story:
#    issues/rendering/typesetting.py) gets /Lang on its structure element; WeasyPrint
#    writes the document's language only.
_build_box_tree = weasyprint_tags._build_box_tree
_draw_page = weasyprint_document.draw_page
_marked = weasyprint_stream.Stream.marked


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def _draw_page_with_artifacts(page_box: Any, stream: Any) -> None:
    stream.newsroom_furniture = {
        id(box)
        for margin_box in page_box.children
        if isinstance(margin_box, boxes.MarginBox)
        for box in _descendants(margin_box)
    }
    _draw_page(page_box, stream)


@contextlib.contextmanager
def _marked_or_artifact(stream: Any, box: Any, tag: str) -> Iterator[None]:
    if id(box) in getattr(stream, "newsroom_furniture", ()):
        with stream.artifact():
            yield
    else:
        with _marked(stream, box, tag):
            yield


def _build_box_tree_with_languages(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
    if isinstance(box, boxes.MarginBox):
        # Artifacts are no part of the tree; forget any content still marked.
        tags = args[-1]
        for descendant in _descendants(box):
            tags.pop(descendant, None)
        return
    lang = None
    if box.element is not None and not isinstance(box, boxes.PageBox):
        lang = None if box.element_tag in ("html", "body") else box.element.get("lang")
    for element in _build_box_tree(box, parent, pdf, *args):
        if lang and isinstance(element, dict) and "Lang" not in element:
            element["Lang"] = pydyf.String(lang)
        yield element


# Recursive calls go through the module's name, so every level is covered.
weasyprint_tags._build_box_tree = _build_box_tree_with_languages
weasyprint_document.draw_page = _draw_page_with_artifacts
weasyprint_stream.Stream.marked = _marked_or_artifact  # type: ignore[assignment]

# WeasyPrint's font configuration wraps one Pango/fontconfig font map, which
# is not safe to share between threads; renders in one process take turns.
_render_lock = threading.Lock()


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheet_text(name: str = STYLESHEET) -> str:
    return _static_path(STATIC_SCHEME + name).read_text(encoding="utf-8")


_FONT_URL = re.compile(r'url\("' + STATIC_SCHEME + r'(fonts/[^"]+)"\)')


def _inline_stylesheet(document: str) -> str:
    """The stylesheet for the HTML artifact, which makes no request of any
    kind: each typeface is subset to the characters of `document` and
    embedded as a data: URL (issues/rendering/fonts.py)."""
    css = embed_fonts(
        _stylesheet_text(), _FONT_URL, lambda path: _static_path(STATIC_SCHEME + path), document
    )
    if f'url("{STATIC_SCHEME}' in css:
        raise RenderError("the issue stylesheet names a static file other than a typeface")
    return css


@functools.cache
def renderer_version() -> str:
    """What made an artifact: WeasyPrint and the libraries under it, and a
    digest of our template, stylesheet and typefaces. Stored with each
    published issue, so that a re-render can be compared honestly."""
    from weasyprint.text.ffi import harfbuzz_subset

    digest = hashlib.sha256()
    template = Path(settings.BASE_DIR) / "templates" / TEMPLATE
    stylesheet = _static_path(STATIC_SCHEME + STYLESHEET)
    print_stylesheet = _static_path(STATIC_SCHEME + PRINT_STYLESHEET)
    fonts = sorted(stylesheet.parent.parent.joinpath(FONTS).glob("*.ttf"))
    for path in (template, stylesheet, print_stylesheet, *fonts):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    pango_version = prerequisites.library_version(prerequisites.PANGO, "pango_version_string")
    harfbuzz_version = prerequisites.library_version(prerequisites.HARFBUZZ, "hb_version_string")
    subsetter = "hb-subset" if harfbuzz_subset is not None else "fontTools"
    return (
        f"WeasyPrint {weasyprint_version}; Pango {pango_version}; HarfBuzz {harfbuzz_version}"
        f" ({subsetter}); template {digest.hexdigest()[:12]}"
    )


@functools.cache
def _stylesheets() -> list[CSS]:
    """The issue's stylesheet and the print-only one, parsed once per process."""
    return [
        CSS(url=STATIC_SCHEME + name, url_fetcher=fetch_resource, font_config=_font_config())
        for name in (STYLESHEET, PRINT_STYLESHEET)
    ]


def issue_date(issue: Issue, published_at: datetime.datetime | None = None) -> datetime.datetime:
    """The date stamped in the document's metadata: when it was published,
    or (for a preview) the last day of its period. Never the clock."""
    when = published_at or issue.published_at
    if when is None:
        return datetime.datetime.combine(issue.period_end, datetime.time(), tzinfo=datetime.UTC)
    return when.astimezone(datetime.UTC).replace(microsecond=0)


def document_input(
    issue: Issue,
    *,
    published_at: datetime.datetime | None = None,
    correction: Correction | None = None,
) -> dict[str, Any]:
    """What the issue's document is made of, as plain values (read from the
    database here, in the caller's process): `build_document` makes the
    document from them in a render worker, and the page count is stored
    under their digest (`input_digest`)."""
    date = issue_date(issue, published_at)
    # A correction being published prints its text, and its note, in place
    # of the story's; every correction published before keeps its note.
    notes = issue.correction_notes()
    edition = None  # the first edition says nothing of editions
    if correction is not None:
        notes.setdefault(correction.story_id, []).append(correction.note_as_of(date))  # type: ignore[attr-defined]
        # The edition this correction becomes: one correction of an issue is
        # published at a time, so the next number is its own.
        latest = issue.editions.aggregate(models.Max("number"))["number__max"]  # type: ignore[attr-defined]
        edition = (latest or 0) + 1
    return {
        "issue": {
            "number": issue.number,
            "edition": edition,
            "period_start": issue.period_start,
            "period_end": issue.period_end,
            "period": issue.period,
        },
        "newsletter": {"title": issue.newsletter.title, "slug": issue.newsletter.slug},
        "archival": issue.newsletter.archival_pdf,
        "date": date,
        "publisher": settings.NEWSROOM_PUBLISHER,
        "stories": [
            {
                "headline": story.headline,
                "body": story.body,
                "source": story.source.name if story.source else None,
                "corrections": [{"date": n.date, "text": n.text} for n in notes.get(story.pk, [])],
            }
            for story in issue.ordered_stories(correction)
        ],
    }


@render_job
def build_document(source: dict[str, Any], inline_css: bool) -> str:
    """The issue's document from its `document_input`: sanitised, smartened,
    set in the one template. The slow part for a hostile body, so it runs in
    a render worker."""
    issue, newsletter = source["issue"], source["newsletter"]
    stories = [
        {
            "anchor": f"story-{position}",
            "headline": keep_cjk_names_whole_in_text(smarten(story["headline"])),
            "html": keep_cjk_names_whole(
                smarten_html(body_with_source(story["body"], story["source"]))
            ),
            "corrections": story["corrections"],
        }
        for position, story in enumerate(source["stories"], start=1)
    ]
    context = {
        "issue": issue,
        "newsletter": newsletter,
        "stories": stories,
        "publisher": source["publisher"],
        "title": f"{newsletter['title']}, no. {issue['number']}: {issue['period']}",
        "subject": f"{newsletter['title']} newsletter, {issue['period']}",
        "date_w3c": source["date"].isoformat().replace("+00:00", "Z"),
        # Two <time> elements for a period of several days ("24 - 30 November 2025").
        "period_from": issue["period"].partition(" - ")[0],
        "period_to": issue["period"].partition(" - ")[2],
        "css": "",
    }
    # Text stored before control characters were refused must not reach the
    # PDF's XMP metadata (XML) or the HTML.
    document = printable(render_to_string(TEMPLATE, context))
    if inline_css:
        context["css"] = mark_safe(_inline_stylesheet(document))  # our own stylesheet
        document = printable(render_to_string(TEMPLATE, context))
    return document


def _document(
    issue: Issue,
    *,
    inline_css: bool,
    published_at: datetime.datetime | None = None,
    correction: Correction | None = None,
) -> str:
    """The document built in this process, unbounded: for tests and the
    benchmark's comparison, never for a request."""
    source = document_input(issue, published_at=published_at, correction=correction)
    return build_document(source, inline_css)


@contextlib.contextmanager
def _told_in_words(issue: Issue, kind: str) -> Iterator[None]:
    """Turn whatever stops a render into a RenderError for the desk: what was
    too big, or that it failed (the details go to the log only)."""
    try:
        yield
    except jobs.WorkerLimitExceeded as exc:
        logger.warning("Stopped rendering issue %s as %s: %s", issue.pk, kind, exc)
        raise RenderError(
            f"The issue is too big to render as {kind}: {exc}. Shorten its longest stories"
            " (or lists nested very deep), or split it into two issues."
        ) from exc
    except Exception as exc:
        logger.exception("Could not render issue %s as %s", issue.pk, kind)
        raise RenderError(f"The issue could not be rendered as {kind}. {DETAILS_LOGGED}") from exc


def render_html(
    issue: Issue,
    *,
    published_at: datetime.datetime | None = None,
    correction: Correction | None = None,
) -> str:
    """One self-contained HTML document: the same content and order as the
    PDF, built in a render worker within the time and memory limits."""
    with _told_in_words(issue, "HTML"):
        source = document_input(issue, published_at=published_at, correction=correction)
        return cast(str, pool.run(build_document, source, True))


@contextlib.contextmanager
def _source_date(date: datetime.datetime) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to `date` for the duration of a render.

    fontTools, which WeasyPrint falls back to without the HarfBuzz subset
    library, stamps the time into every font it saves unless this is set.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(date.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@render_job
def html_to_pdf(
    html: str,
    date: datetime.datetime | None = None,
    attachment: tuple[str, str] | None = None,
) -> bytes:
    """Lay out an issue document (without its inline stylesheet) as a tagged
    A4 PDF. `date` (the issue's) stands in for the clock wherever a tool
    would read it; without one, the Unix epoch does. With an `attachment`
    (a file name and the issue's HTML document) the PDF is archival:
    PDF/A-3b carrying that document as its source."""
    date = date or datetime.datetime.fromtimestamp(0, datetime.UTC)
    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT}
    extra_xmp = b""
    if attachment is not None:
        name, content = attachment
        extra_xmp = _static_path(STATIC_SCHEME + PDFUA_XMP).read_bytes()
        options = {
            "pdf_variant": ARCHIVAL_VARIANT,
            "pdf_tags": True,
            "attachments": [
                Attachment(
                    string=content,
                    url_fetcher=fetch_resource,
                    name=name,
                    description="The issue as one HTML document",
                    created=date,
                    modified=date,
                    relationship="Source",
                )
            ],
        }

    def one_xmp_packet(document: Any, pdf: Any) -> None:
        """Right before the PDF is written: its XMP in one rdf:RDF."""
        metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
        metadata.stream = [one_rdf(b"".join(metadata.stream), extra_xmp)]

    with _render_lock, _source_date(date):
        document = HTML(string=html, base_url=None, url_fetcher=fetch_resource)
        return document.write_pdf(
            stylesheets=_stylesheets(),
            font_config=_font_config(),
            # Derived from the content, so the same issue gives the same bytes.
            pdf_identifier=True,
            finisher=one_xmp_packet,
            **options,
        )


def input_digest(source: dict[str, Any]) -> str:
    """A digest of everything a PDF is laid out from: the document's input,
    the template, stylesheet and typefaces, and the libraries (the page
    count is stored under it). Cheap: nothing is sanitised or rendered."""
    digest = hashlib.sha256(json.dumps(source, sort_keys=True, default=str).encode())
    digest.update(renderer_version().encode())
    digest.update(_stylesheet_text().encode())
    digest.update(_stylesheet_text(PRINT_STYLESHEET).encode())
    return digest.hexdigest()


@render_job
def source_to_pdf(source: dict[str, Any]) -> bytes:
    """Build the document from its input and lay it out (in a render
    worker); archival newsletters carry the HTML document inside."""
    attachment = None
    if source["archival"]:
        name = f"{source['newsletter']['slug']}-{source['issue']['number']:04d}.html"
        attachment = (name, build_document(source, True))
    return html_to_pdf(build_document(source, False), source["date"], attachment)


def render_pdf(
    issue: Issue,
    *,
    published_at: datetime.datetime | None = None,
    correction: Correction | None = None,
) -> bytes:
    """The issue as a tagged (PDF/UA-1) A4 PDF with bookmarks and metadata,
    built and laid out in a render worker within the time and memory limits;
    PDF/A-3b with the HTML document inside if its newsletter asks for
    archival PDFs."""
    with _told_in_words(issue, "PDF"):
        source = document_input(issue, published_at=published_at, correction=correction)
        return cast(bytes, pool.run(source_to_pdf, source))


@jobs.warm_up
def warm_up() -> None:
    """Load the fonts and parse the stylesheet (a render worker does this
    once, before its first job), saying first what the machine lacks: a
    gunicorn or task process never runs the system checks itself."""
    for problem in checks.run_checks(tags=["prerequisites"]):
        logger.error("%s %s (%s)", problem.msg, problem.hint, problem.id)
    # A whole issue, twice, as jobs would bring: every typeface, the
    # template, the sanitiser, the layout of each kind of block. Measured
    # (tests/bench/test_bench_render.py): a fresh process's second layout
    # faults in some 5,000 pages (20 MB) that later ones reuse (glibc's
    # malloc returns the first layout's big buffers to the system, then
    # raises its mmap threshold, so the second takes them from the heap and
    # keeps them); that cost a worker's first job a third of its time.
    for _ in range(2):
        source_to_pdf(_WARM_UP_SOURCE)


_WARM_UP_DATE = datetime.datetime(2025, 11, 30, tzinfo=datetime.UTC)
_WARM_UP_BODY = (
    "<p>The harbour board met on <strong>Tuesday</strong> and, in <em>a short session</em>,"
    ' agreed the <a href="https://example.org/">new fees</a> &quot;at once&quot;. Engineer'
    " 林小红 said the scanners verify in under forty milliseconds.</p>"
    "<ul><li>Twelve operators</li><li>Latency halved</li></ul>"
    "<ol><li>First</li><li>Second</li></ol>"
    "<blockquote><p>We expect the ferries to run on time.</p></blockquote>"
    "<h3>Figures</h3><table><tr><th>Port</th><td>3</td></tr></table>"
)
_WARM_UP_SOURCE: dict[str, Any] = {
    "issue": {
        "number": 1,
        "edition": None,
        "period_start": _WARM_UP_DATE.date(),
        "period_end": _WARM_UP_DATE.date(),
        "period": "24 - 30 November 2025",
    },
    "newsletter": {"title": "Warm-up", "slug": "warm-up"},
    "archival": False,
    "date": _WARM_UP_DATE,
    "publisher": "Newsroom",
    "stories": [
        {
            "headline": f"Saltmarsh opens a fibre exchange ({n})",
            "body": _WARM_UP_BODY,
            "source": "Harbour Tribune" if n % 2 else None,
            "corrections": [{"date": _WARM_UP_DATE, "text": "An earlier version misspelt a name."}]
            if n == 1
            else [],
        }
        for n in range(1, 4)
    ],
}


def now_for_publication() -> datetime.datetime:
    """A publication time at the precision PDF dates keep (whole seconds)."""
    return timezone.now().replace(microsecond=0)
