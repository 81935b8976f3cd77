"""A query the ORM compiles once per process, its values bound at each call.

For the download's one query (`access.readable_edition`, the subscriber's
grant and the edition) Django spent more time building and compiling the
queryset (about 1.7 ms) than PostgreSQL spent running it (0.14 ms once
planned). A `CompiledQuery` asks the ORM for the SQL once, from a queryset
built with stand-in values, through the public `Query.sql_with_params()`;
each call then binds the request's values where the stand-ins were and runs
the same SQL through `connection.cursor()`.

It answers None, and the caller asks the ORM as before, whenever it cannot
be sure of giving the ORM's answer: a database other than PostgreSQL (whose
driver returns Python values as the ORM would; SQLite needs Django's
converters), a selected field that converts what the database returns
(`from_db_value`), a queryset routed to another database, or a stand-in
that does not appear among the parameters exactly as given.
tests/test_compiled_grant.py checks it against the ORM for every persona.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet

# The driver returns the values the ORM would return, without Django's
# converters, for the field types checked in `_converts`.
VENDORS = frozenset({"postgresql"})

# A parameter of the compiled SQL: the name of the value bound there (None
# for a value of the query itself), the type to wrap it in, the value.
Slot = tuple[str | None, Callable[[Any], object] | None, object]


class CompiledQuery:
    """`build(**values)` is a values_list() queryset; `stand_ins` are values
    of the right types that occur nowhere else in its parameters.

    With `generic_plan`, PostgreSQL plans the (prepared) statement once per
    connection instead of at each execution as the site's connections ask
    (`plan_cache_mode`, newsroom/settings.py): only for a query whose every
    condition is a point lookup, so that no value deserves a plan of its own."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        generic_plan: bool = False,
        **stand_ins: object,
    ) -> None:
        self.build = build
        self.generic_plan = generic_plan
        self.stand_ins = stand_ins
        # None once compiling showed that this query cannot be bound safely.
        self._compiled: tuple[str, list[Slot]] | None = None
        self._tried = False

    def rows(self, **values: object) -> list[tuple[Any, ...]] | None:
        """The rows of `build(**values)`, or None: ask the ORM instead."""
        if connections[DEFAULT_DB_ALIAS].vendor not in VENDORS:
            return None
        if not self._tried:
            self._compiled = self._compile()
            self._tried = True
        if self._compiled is None:
            return None
        sql, slots = self._compiled
        if not all(_fits(wrap, values[name]) for name, wrap, _ in slots if name is not None):
            return None
        params = [
            fixed if name is None else wrap(values[name]) if wrap else values[name]
            for name, wrap, fixed in slots
        ]
        connection = connections[DEFAULT_DB_ALIAS]
        # Without prepared statements (NEWSROOM_PREPARED_STATEMENTS=0) each
        # execution is planned anyway.
        prepared = connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None
        with connection.cursor() as cursor:
            if not (self.generic_plan and prepared):
                cursor.execute(sql, params)  # type: ignore[arg-type]
                return cursor.fetchall()
            # In a transaction (or a savepoint), so that a pooler in
            # transaction mode runs the three statements on one server
            # connection, and a failure rolls the SET back with it.
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                cursor.execute("SET plan_cache_mode = force_generic_plan")
                cursor.execute(sql, params)  # type: ignore[arg-type]
                rows = cursor.fetchall()
                # Back to the connection's own setting, for every other query.
                cursor.execute("RESET plan_cache_mode")
                return rows

    def _compile(self) -> tuple[str, list[Slot]] | None:
        queryset = self.build(**self.stand_ins)
        if queryset.db != DEFAULT_DB_ALIAS or _converts(queryset):
            return None
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:
            return None  # a stand-in the ORM could tell would match nothing
        slots: list[Slot] = []
        found = set()
        for param in params:
            name = next(
                (
                    name
                    for name, stand_in in self.stand_ins.items()
                    if isinstance(param, type(stand_in)) and param == stand_in
                ),
                None,
            )
            # The backend may wrap a value in a subtype (psycopg's Int4 for
            # an integer column bound on the server): the values bound at
            # each call are wrapped the same way.
            same = name is None or type(param) is type(self.stand_ins[name])
            wrap = None if same else type(param)
            slots.append((name, wrap, param))
            found.add(name)
        if not set(self.stand_ins) <= found:
            return None  # a stand-in changed on its way into SQL: not ours to bind
        return sql, slots


# psycopg's fixed-size integer wrappers, by the bits they carry. A value
# too big for its column (a 30-digit number in an address) is one the ORM
# answers as matching nothing, so the ORM is asked.
_INTEGER_BITS = {"Int2": 16, "Int4": 32, "Int8": 64}


def _fits(wrap: Callable[[Any], object] | None, value: object) -> bool:
    bits = _INTEGER_BITS.get(getattr(wrap, "__name__", ""))
    if bits is None or not isinstance(value, int):
        return True
    return -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)


def _converts(queryset: QuerySet[Any]) -> bool:
    """Whether a selected field converts what the database returns."""
    connection = connections[queryset.db]
    for name in queryset.query.values_select:
        model, parts = queryset.model, name.split("__")
        for part in parts[:-1]:
            model = model._meta.get_field(part).related_model
        field = model._meta.pk if parts[-1] == "pk" else model._meta.get_field(parts[-1])
        if field.get_db_converters(connection):
            return True
    return False
