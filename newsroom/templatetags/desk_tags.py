"""Template helpers for the desk: story bodies, sanitised again on render."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from newsroom.sanitizing import sanitize_body

register = template.Library()


@register.filter
def story_html(body: str) -> SafeString:
    """A body as stored, sanitised once more: what reaches the page is what
    the allowlist permits, whatever path wrote the row."""
    return mark_safe(sanitize_body(body or ""))


@register.simple_tag
def body_with_source(body: str, source: Any) -> SafeString:
    """The body as the issue prints it: " (Source)" in bold at the end of the
    last paragraph."""
    html = sanitize_body(body or "")
    if not source:
        return mark_safe(html)
    attribution = format_html(" <strong>({})</strong>", str(source))
    if html.endswith("</p>"):
        return mark_safe(html[: -len("</p>")] + attribution + "</p>")
    return mark_safe(html + format_html("<p>{}</p>", attribution))
