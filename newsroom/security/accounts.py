"""Django's ModelBackend, the signed-in account read through a query
compiled once per process (newsroom/compiled.py).

Every signed-in request loads its account (so that a deactivated one is
signed out at once); building Django's `User.objects.get(pk=...)` cost about
0.6 ms of the request, more than running it. Signing in, permissions, and
the check of the session against the password hash
(`django.contrib.auth.get_user`) are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from newsroom.compiled import CompiledQuery

# Sessions record this path: a sign-in through ModelBackend's own
# authenticate() here is recorded as ours (newsroom/settings.py).
PATH = "newsroom.security.accounts.AccountBackend"


def _columns() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _account(pk: int) -> QuerySet[Any]:
    """ModelBackend's question, as rows of every column."""
    return get_user_model()._default_manager.filter(pk=pk).values_list(*_columns())


_ACCOUNT = CompiledQuery(_account, pk=1_987_654_304)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: int) -> User | None:
        rows = _ACCOUNT.rows(pk=int(user_id))
        if rows is None:
            return super().get_user(user_id)
        if not rows:
            return None
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, _columns(), rows[0])
        return user if self.user_can_authenticate(user) else None  # type: ignore[return-value]
