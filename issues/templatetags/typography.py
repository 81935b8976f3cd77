"""`{{ text|smart }}`: the printed issue's typographic quotes and dashes on a page."""

from __future__ import annotations

from django import template

from issues.rendering.typography import smarten

register = template.Library()


@register.filter
def smart(value: object) -> str:
    """Plain text with curly quotes and dashes; escaped afterwards like any text."""
    return smarten(str(value))
