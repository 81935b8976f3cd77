"""The one allowlist for story bodies, shared by the editor and the sanitiser.

django-prose-editor derives the nh3 allowlist from the same extension list
that configures the editor's toolbar, so what an editor can make is exactly
what survives sanitising: paragraphs, line breaks, bold, italic, links and
lists. Bodies are sanitised when saved and again when rendered.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_prose_editor.config import allowlist_from_extensions
from django_prose_editor.fields import create_sanitizer

BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "HardBreak": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
}

sanitize_body = create_sanitizer(BODY_EXTENSIONS)


def editor_allowlist() -> dict[str, list[str]]:
    """The same allowlist, for the editor's live preview in the browser
    (sent as a json_script), so the page never keeps a copy of its own."""
    allowed = allowlist_from_extensions(BODY_EXTENSIONS)
    return {
        "tags": sorted(tag.upper() for tag in allowed["tags"]),
        "schemes": sorted(f"{scheme}:" for scheme in allowed["url_schemes"]),
    }


def body_with_source(body: str, source_name: str | None) -> SafeString:
    """The body as an issue prints it: sanitised, with the source cited at the
    end of its last paragraph, "… (<strong>Harbour Tribune</strong>)".

    The one definition, used by the desk's preview and by the renderer.
    """
    html = sanitize_body(body or "").strip()
    if not source_name:
        return mark_safe(html)  # sanitised just above
    citation = format_html('<span class="source">(<strong>{}</strong>)</span>', source_name)
    if html.endswith("</p>"):
        return mark_safe(html[: -len("</p>")] + " " + citation + "</p>")
    return mark_safe(html + format_html('<p class="source-line">{}</p>', citation))
