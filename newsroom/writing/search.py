"""Story search: PostgreSQL full-text search, or a plain substring match elsewhere.

On PostgreSQL a story's words are kept by the database in a stored tsvector
column, `search_vector` (migration 0017, generated from the headline and the
body), with a GIN index; SQLite matches substrings. A search finds the
matches through the index first, then orders them:

- it asks the GIN index for the stories holding the words, at most
  FEW_MATCHES + 1 of them (for a rare or missing word, all of them; for a
  common word the scan stops as soon as it has them);
- when those are all (a rare word), the page is those stories by primary
  key, sorted: a thousand rows at most, whatever the size of the table;
- otherwise (a common word) the page walks the newest stories and tests
  each one's stored vector until it is full: a common word fills a page
  within a few dozen stories. Through the GIN index it would read and sort
  every match instead (74 ms for a word in 17,857 of 25,000 stories,
  against 0.2 ms).

Left to itself, the planner walks the newest stories for a rare word too:
a word the statistics do not know is priced as if 0.5% of stories held it,
and one they know as if its stories were spread evenly over the years (a
word of the oldest 200 stories of 20,000 is expected within the newest
2,500). It then tests every row (9 s at 100k stories when that meant
computing to_tsvector() for each; 79 ms at 25k with the stored column).
A word in more than a thousand stories, none of them recent, still costs
such a walk.

Markup in the body needs no stripping: PostgreSQL's parser reads tags as
their own token type, which the English configuration does not index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Expression, Q

from newsroom.text import one_line

if TYPE_CHECKING:
    from newsroom.models.stories import StoryQuerySet

SEARCH_CONFIG = "english"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX_NAME = "story_search_vector_gin"
# Up to this many matches, a search reads its stories by primary key.
FEW_MATCHES = 1000


class StoredStoryVector(Expression):
    """The story table's `search_vector` column, in whatever alias the query
    gives that table (a subquery renames it). Not a model field: SQLite has
    no such column."""

    def __init__(self, alias: str | None = None) -> None:
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())
        self.alias = alias

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> Any:
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map: Mapping[str, str]) -> Any:
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)  # type: ignore[arg-type]
        return clone

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        table = compiler.quote_name(self.alias)
        return f"{table}.{connection.ops.quote_name(SEARCH_COLUMN)}", ()

    def get_group_by_cols(self) -> list[Any]:
        return [self]


def search_stories(stories: StoryQuerySet, query: str) -> StoryQuerySet:
    # A search box takes anything; PostgreSQL refuses a NUL in a parameter
    # (a 500), and no story holds a control character to find.
    query = one_line(query)
    if not query:
        return stories
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        matching = Q(search_words=SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch"))
        every = stories.model.objects.alias(search_words=StoredStoryVector()).order_by()
        few = list(every.filter(matching).values_list("pk", flat=True)[: FEW_MATCHES + 1])
        if len(few) <= FEW_MATCHES:
            return stories.filter(pk__in=few)
        return stories.alias(search_words=StoredStoryVector()).filter(matching)
    return stories.filter(Q(headline__icontains=query) | Q(body__icontains=query))
