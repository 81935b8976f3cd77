"""Unique names (slugs, usernames) that two concurrent requests cannot both take."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db import IntegrityError, transaction

MAX_TRIES = 1000


def candidates(base: str) -> Iterator[str]:
    """`base`, then `base-2`, `base-3`… (at most MAX_TRIES of them)."""
    yield base
    for n in range(2, MAX_TRIES + 1):
        yield f"{base}-{n}"


def first_free_name(base: str, *, taken: Callable[[str], bool]) -> str:
    """The name `create_with_unique_name` would try first, as things stand
    now: for showing what will be created, never for creating it."""
    return next((name for name in candidates(base) if not taken(name)), base)


def create_with_unique_name[T](
    base: str, *, create: Callable[[str], T], taken: Callable[[str], bool]
) -> T:
    """Call `create(name)` with `base`, then `base-2`, `base-3`… and return
    its result for the first name the database accepts.

    `taken` skips names already in use without a failed insert, but the
    unique constraint decides: if two callers race for the same name, the
    loser's insert fails inside its own savepoint and it moves on to the
    next name. An IntegrityError for any other reason (the name was free)
    is not ours to hide and is raised.
    """
    for name in candidates(base):
        if taken(name):
            continue
        try:
            with transaction.atomic():
                return create(name)
        except IntegrityError:
            if not taken(name):
                raise
    raise IntegrityError(f"No free name after {base!r}-{MAX_TRIES}.")
