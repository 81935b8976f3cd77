"""Template helpers for the desk: a story body as the issue prints it, sanitised again."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from newsroom.writing.sanitizing import body_with_source, editor_allowlist
from newsroom.writing.story_shape import count_words

register = template.Library()


@register.simple_tag(name="body_with_source")
def body_with_source_tag(body: str, source: Any) -> SafeString:
    return body_with_source(body, str(source) if source else None)


@register.filter
def words(body: str) -> int:
    """A body's words, counted as Story.word_count and the live counter do."""
    return count_words(body)


@register.simple_tag
def body_allowlist_script() -> SafeString:
    """<script id="body-allowlist" type="application/json">: what desk-editor.js may keep."""
    return json_script(editor_allowlist(), "body-allowlist")


@register.filter
def resolved_threads(threads: list[Any]) -> list[Any]:
    """The resolved ones of a story's comment threads (the page folds them away)."""
    return [thread for thread in threads if not thread.is_open]


@register.filter
def open_threads(threads: list[Any]) -> list[Any]:
    return [thread for thread in threads if thread.is_open]
