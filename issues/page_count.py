"""The builder's live page count, cached per issue content.

The builder page asks for it after it has loaded (static/js/issue-builder.js),
so the page never waits for a render. The answer is cached under a hash of
what the PDF is laid out from (the issue's document and the print
stylesheet): opening the builder again, or another editor opening it, costs
nothing until the stories, their order or the stylesheet change. An issue
too big to lay out is cached too, so that it does not take a render worker
for the whole time limit on every visit; other failures are not, as they
may pass.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache

from issues import render_pool, rendering
from issues.publishing import count_pages

if TYPE_CHECKING:
    from issues.models import Issue

CACHE_PREFIX = "issue-page-count:"
CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class PageCount:
    pages: int | None
    error: str = ""


def cache_key(issue: Issue) -> str:
    return CACHE_PREFIX + hashlib.sha256(rendering.pdf_source(issue).encode()).hexdigest()


def page_count(issue: Issue) -> PageCount:
    """How many pages the PDF of `issue` has as it stands, or why it cannot
    be rendered."""
    key = cache_key(issue)
    cached = cache.get(key)
    if isinstance(cached, PageCount):
        return cached
    try:
        answer = PageCount(count_pages(rendering.render_pdf(issue)))
    except rendering.RenderError as exc:
        answer = PageCount(None, str(exc))
        if not isinstance(exc.__cause__, render_pool.WorkerLimitExceeded):
            return answer
    cache.set(key, answer, CACHE_SECONDS)
    return answer
