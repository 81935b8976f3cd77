"""Django's ModelBackend, the signed-in account and its permissions read
through queries compiled once per process (newsroom/compiled.py).

Every signed-in request loads its account (so that a deactivated one is
signed out at once); building Django's `User.objects.get(pk=...)` cost about
0.6 ms of the request, more than running it. Every desk page then asks the
account's permissions (is it an editor, a reviewer?), two more queries that
took 1.5-2 ms each to build on the benchmark machine. Signing in, a
superuser's permissions, and the check of the session against the password
hash (`django.contrib.auth.get_user`) are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
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


def _user_permissions(pk: int) -> QuerySet[Any]:
    """ModelBackend's `_get_user_permissions`, as its (app label, codename) rows."""
    return Permission.objects.filter(user=pk).values_list("content_type__app_label", "codename")


def _group_permissions(pk: int) -> QuerySet[Any]:
    """ModelBackend's `_get_group_permissions`: those of the account's groups."""
    return Permission.objects.filter(group__user=pk).values_list(
        "content_type__app_label", "codename"
    )


_PERMISSIONS = {
    "user": CompiledQuery(_user_permissions, pk=1_987_654_305),
    "group": CompiledQuery(_group_permissions, pk=1_987_654_306),
}


class AccountBackend(ModelBackend):
    def get_user(self, user_id: int) -> User | None:
        rows = _ACCOUNT.rows(pk=int(user_id))
        if rows is None:
            return super().get_user(user_id)
        if not rows:
            return None
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, _columns(), rows[0])
        return user if self.user_can_authenticate(user) else None  # type: ignore[return-value]

    def _get_permissions(self, user_obj: Any, obj: Any, from_name: str) -> set[str]:
        """ModelBackend's, with the same per-account cache; the ORM answers
        for a superuser, an object, or where the compiled query cannot."""
        cache = f"_{from_name}_perm_cache"
        if (
            hasattr(user_obj, cache)
            or obj is not None
            or not user_obj.is_active
            or user_obj.is_anonymous
            or user_obj.is_superuser
        ):
            return super()._get_permissions(user_obj, obj, from_name)  # type: ignore[misc]
        rows = _PERMISSIONS[from_name].rows(pk=user_obj.pk)
        if rows is None:
            return super()._get_permissions(user_obj, obj, from_name)  # type: ignore[misc]
        setattr(user_obj, cache, {f"{app_label}.{codename}" for app_label, codename in rows})
        return getattr(user_obj, cache)  # type: ignore[no-any-return]
