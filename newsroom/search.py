"""Story search: PostgreSQL full-text search, or a plain substring match elsewhere.

On PostgreSQL the query is matched against STORY_SEARCH_VECTOR, the very
expression that migration 0003 indexes with GIN, so the planner can use the
index (an index on a different expression would never be chosen). Markup in
the body needs no stripping: PostgreSQL's parser reads tags as their own
token type, which the English configuration does not index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q

from newsroom.text import one_line

if TYPE_CHECKING:
    from newsroom.models import StoryQuerySet

SEARCH_CONFIG = "english"
SEARCH_INDEX_NAME = "story_fulltext_gin"


def story_search_vector() -> Any:
    from django.contrib.postgres.search import SearchVector

    return SearchVector("headline", "body", config=SEARCH_CONFIG)


def search_stories(stories: StoryQuerySet, query: str) -> StoryQuerySet:
    # A search box takes anything; PostgreSQL refuses a NUL in a parameter
    # (a 500), and no story holds a control character to find.
    query = one_line(query)
    if not query:
        return stories
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        return stories.annotate(search=story_search_vector()).filter(
            search=SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        )
    return stories.filter(Q(headline__icontains=query) | Q(body__icontains=query))
