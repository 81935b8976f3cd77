"""The one allowlist for story bodies, shared by the editor and the sanitiser.

django-prose-editor derives the nh3 allowlist from the same extension list
that configures the editor's toolbar, so what an editor can make is exactly
what survives sanitising: paragraphs, line breaks, bold, italic, links and
lists. Bodies are sanitised when saved and again when rendered.
"""

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
