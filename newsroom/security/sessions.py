"""Django's database sessions, each read through a query compiled once per
process (newsroom/compiled.py).

Every signed-in request reads its session first (a download among them);
building Django's `Session.objects.get(...)` cost about 0.6 ms of the
request, more than running it. Only the read differs: the same table, the
same rows and format, written, expired and deleted by Django's own store, so
changing the engine (SESSION_ENGINE in newsroom/settings.py) signs no one out.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.utils import timezone

from newsroom.compiled import CompiledQuery

_COLUMNS = ("session_key", "session_data", "expire_date")


def _unexpired(session_key: str, now: datetime.datetime) -> QuerySet[Session]:
    """Django's question of the session table, as rows of `_COLUMNS`."""
    return Session.objects.filter(session_key=session_key, expire_date__gt=now).values_list(
        *_COLUMNS
    )


_SESSION = CompiledQuery(
    _unexpired,
    session_key="stand-in-session-key",
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        rows = _SESSION.rows(session_key=self.session_key, now=timezone.now())
        if rows is None:
            return super()._get_session_from_db()  # type: ignore[misc,no-any-return]
        if not rows:
            # As Django's store: an unknown or expired key is dropped, and a
            # new session gets a new key.
            self._session_key = None
            return None
        return Session.from_db(DEFAULT_DB_ALIAS, _COLUMNS, rows[0])
