"""Bounded pagination for every desk and archive list.

Django's Paginator counts every matching row (`COUNT(*)`) to number its
pages: at 100,000 stories that count costs more than the page itself. This
paginator counts at most `cap` rows (`SELECT COUNT(*) FROM (... LIMIT cap+1)`),
so a page costs the same whatever the data; beyond the cap the list says
"1,000+" and asks for a narrower search instead of offering page 5,000
(deep OFFSETs are as slow as the count we avoid).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator

PAGE_CAP = 1000


class BoundedPaginator(Paginator):
    """`count_in_order` counts the first `cap` rows in the list's own order
    instead of any `cap` rows: for a list whose order an index serves and
    whose filter the planner misjudges (the issue builder's waiting stories:
    those of an issue are the old ones, which a plan reading the matches in
    table order would meet first), so the count walks the index as the
    page does."""

    def __init__(
        self, object_list: Any, per_page: int, cap: int | None = None, count_in_order: bool = False
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap or PAGE_CAP
        self.count_in_order = count_in_order

    @cached_property
    def count(self) -> int:
        """The number of rows, up to `cap` (`capped` says whether there are more)."""
        if hasattr(self.object_list, "values_list"):
            rows = self.object_list.values_list("pk", flat=True)
            if not self.count_in_order:
                rows = rows.order_by()
            limited = rows[: self.cap + 1]
            total = limited.count()
        else:
            total = len(self.object_list[: self.cap + 1])
        return min(total, self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def shown_count(self) -> int:
        return min(self.count, self.cap)

    @cached_property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, self.cap) // self.per_page))


def bounded_page(
    object_list: Any, per_page: int, number: str | None, count_in_order: bool = False
) -> Page:
    """The requested page (the last one for a number past the end)."""
    return BoundedPaginator(object_list, per_page, count_in_order=count_in_order).get_page(number)


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, for a list whose total is
    kept rather than counted (issues.readers.audience)."""

    capped = False

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count
