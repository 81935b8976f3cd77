"""Template helpers for the desk: a story body as the issue prints it,
sanitised again; a story's status badge; an entry of the planning calendar."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString, mark_safe

from newsroom.extension import CalendarEntry
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


@register.simple_tag
def status_badge(story: Any) -> SafeString:
    """The story's status as a badge (css/newsroom.css). A tag rather than an
    included template: a dashboard draws fifty of them, and an include cost
    ten times this on the benchmark machine."""
    badge = story.status_badge()
    return format_html(
        '<span class="badge status-badge status-badge-{}">{}</span>', badge.kind, badge.label
    )


@register.simple_tag
def calendar_entry(entry: CalendarEntry) -> SafeString:
    """One entry of the planning calendar's grid, a list item. Built here
    rather than in the template because four full weeks draw 120 and more
    entries: as template text each took about 0.2 ms on the benchmark
    machine, a quarter of the page (docs/benchmarks-pages.md)."""
    overdue = entry.overdue
    return format_html(
        '<li class="calendar-entry calendar-{kind}{overdue_class}">\n'
        '<a href="{url}">{title}</a>\n'
        '<small class="d-block">{at} · {state}{overdue_note}</small>\n'
        "{who}{issue}</li>",
        kind=entry.kind,
        overdue_class=" calendar-overdue" if overdue else "",
        url=entry.url,
        title=entry.title,
        at=timezone.localtime(entry.at).strftime("%H:%M"),
        state=entry.state,
        overdue_note=mark_safe(" · <strong>overdue</strong>") if overdue else "",
        who=format_html('<small class="d-block calendar-who">Owed by {}</small>\n', entry.who)
        if entry.who
        else "",
        issue=format_html(
            '<small class="d-block calendar-issue">For <a href="{}">{}</a></small>\n',
            entry.issue_url,
            entry.issue,
        )
        if entry.issue
        else "",
    )
