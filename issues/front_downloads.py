"""PDF downloads answered before Django's middleware and URLs.

A WSGI layer in front of the site (`in_front_of`, named in settings), in the
spirit of whitenoise. It answers the two requests subscribers repeat most,
each asking no more than its permission check needs:

- a fresh signed link (issues/downloads.py): the signature is the check,
  made when the page that holds the link was rendered, and the link carries
  everything serving the edition needs (a stored edition never changes), so
  no session, user or database is read;
- a subscriber's download of an issue's PDF (the download view's address,
  latest or a given edition): the session is read through the session
  engine, as Django reads it, then one query, compiled once per process,
  asks what the view asks of a subscriber (`views.subscriber_editions`: the
  account, its grant and the edition) and the session's hash is checked
  against the account's password, as `django.contrib.auth.get_user` does.

The answer is the download view's: 304 on a matching ETag, else the file
streamed, or handed to nginx, to X-Sendfile or to a signed URL of the
bucket, as NEWSROOM_DOWNLOADS says; counted like any download (in the
worker's memory, issues/reach.py).

Everything else goes on to Django unchanged, and so does every request this
layer cannot answer with certainty: a forged, altered or expired link, one
naming only an issue, a HEAD, a host not in ALLOWED_HOSTS, no session or one
Django would refuse or rewrite (another backend, a hash made with a fallback
secret), an account without the grant (the desk and staff read through the
view), a file that cannot be opened, a database error. The view then gives
the same 404, redirect, login page or error page as without this layer.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db as db_sessions
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_started
from django.db import connections
from django.db.models.fields.files import FieldFile
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

from issues import downloads, reach, views
from issues.editions import Edition
from issues.reach import Channel, Document

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper
    from django.db.models import QuerySet
    from django.db.models.sql.compiler import SQLCompiler
    from django.http import FileResponse, HttpRequest, HttpResponseBase

    type StartResponse = Callable[..., Any]
    type WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

logger = logging.getLogger(__name__)


def in_front_of(application: WSGIApplication) -> FrontDownloads:
    """The site as a WSGI server serves it (settings.NEWSROOM_WSGI_LAYERS):
    subscribers' downloads answered here, and every download counted in the
    worker's memory and written in bulk (issues/reach.py) rather than one
    write per download."""
    reach.tally.buffer()
    return FrontDownloads(application)


class Download(NamedTuple):
    """One edition's PDF, by which way in."""

    pdf: downloads.EditionPdf
    channel: Channel


class FrontDownloads:
    """WSGI: answer subscribers' PDF downloads, hand everything else to
    `application` (Django's)."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.signed_prefix = reverse("issues:signed_pdf", args=["-"]).removesuffix("-.pdf")
        self.sessions = Sessions()
        self.editions = SubscriberEditions()
        # The headers every answer of the site carries (SSL redirect, HSTS,
        # nosniff, referrer policy, framing, CSP), from Django's own
        # middleware, in settings.MIDDLEWARE's order.
        self.handler = SecurityMiddleware(
            XFrameOptionsMiddleware(ContentSecurityPolicyMiddleware(self.serve))
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").endswith(".pdf"):
            response = self.answer(environ)
            if response is not None:
                return self.send(response, environ, start_response)
        return self.application(environ, start_response)

    def answer(self, environ: dict[str, Any]) -> HttpResponseBase | None:
        """The answer to a download this layer can serve, or None for Django to give."""
        request = WSGIRequest(environ)
        try:
            request.get_host()
            download = self.find(request)
            if download is None:
                return None
            request.download = download  # type: ignore[attr-defined]
            return cast("HttpResponseBase", self.handler(request))
        except DisallowedHost:
            return None  # Django answers 400 and logs it
        except Exception:
            # Django tries again and answers with its error page and log.
            logger.warning("A download went on to Django", exc_info=True)
            return None

    def find(self, request: WSGIRequest) -> Download | None:
        path = request.path_info
        if path.startswith(self.signed_prefix):
            return self.signed(path[len(self.signed_prefix) : -len(".pdf")])
        return self.subscribers(request)

    def signed(self, token: str) -> Download | None:
        """What a fresh signed link to an edition names."""
        if "/" in token:
            return None
        link = downloads.read_link(token)
        if link is None or not link[1] or not isinstance(link[0], downloads.EditionPdf):
            return None
        return Download(link[0], Channel.LINK)

    def subscribers(self, request: WSGIRequest) -> Download | None:
        """The edition the download view would give the session's subscriber."""
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if match.func is not views.issue_pdf or not session_key:
            return None
        if settings.SESSION_SAVE_EVERY_REQUEST:
            return None  # Django renews the session on every answer
        # As Django's handler does before a request touches the database
        # (an old or broken connection is replaced).
        request_started.send(sender=self.__class__, environ=request.environ)
        session = self.sessions.load(session_key)
        try:
            reader_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])  # type: ignore[union-attr]
            backend = session[BACKEND_SESSION_KEY]
            session_hash = session[HASH_SESSION_KEY]
        except (KeyError, ValueError):
            return None
        if not finds_users_as_model_backend(backend):
            return None
        found = self.editions.first(reader_id=reader_id, **match.kwargs)
        if found is None or found["reader_password"] is None:
            return None  # no grant, or an account that may not sign in
        reader = get_user_model()(pk=reader_id, password=found["reader_password"])
        if not constant_time_compare(session_hash, reader.get_session_auth_hash()):
            return None  # Django flushes the session, or rewrites it for a fallback secret
        pdf = downloads.EditionPdf(
            issue_id=found["issue_id"],
            edition_id=found["pk"],
            name=found["pdf_file"],
            sha256=found["pdf_sha256"],
            size=found["pdf_size"],
            filename=downloads.attachment_name(
                found["issue__newsletter__slug"], found["issue__period_start"], found["number"]
            ),
            published=int(found["published_at"].timestamp()),
            reader_id=reader_id,
        )
        return Download(pdf, Channel.SITE)

    def serve(self, request: HttpRequest) -> HttpResponseBase:
        pdf, channel = cast("Download", request.download)  # type: ignore[attr-defined]
        # The stored file without its (unread) edition: the field gives the storage.
        stored = FieldFile(None, Edition._meta.get_field("pdf_file"), pdf.name)  # type: ignore[arg-type]
        response, sent = downloads.pdf_response(
            request,
            stored,
            sha256=pdf.sha256,
            published=pdf.published,
            filename=pdf.filename,
            size=pdf.size,
        )
        if channel == Channel.SITE:
            patch_vary_headers(response, ["Cookie"])  # as the session middleware does
        if sent:
            reach.count(
                pdf.edition_id, user_id=pdf.reader_id, document=Document.PDF, channel=channel
            )
        return response

    def send(
        self, response: HttpResponseBase, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """As django.core.handlers.wsgi.WSGIHandler sends a response."""
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        to_stream = getattr(response, "file_to_stream", None)
        if to_stream is not None and environ.get("wsgi.file_wrapper"):
            # The server closes the wrapper, not the response: closing the
            # file closes the response.
            to_stream.close = response.close
            block_size = cast("FileResponse", response).block_size
            return cast("Iterable[bytes]", environ["wsgi.file_wrapper"](to_stream, block_size))
        return cast("Iterable[bytes]", response)


def finds_users_as_model_backend(path: str) -> bool:
    """Whether the session's backend finds its user as ModelBackend does (by
    primary key, active accounts only), which the layer's query asks too."""
    if path not in settings.AUTHENTICATION_BACKENDS:
        return False
    backend = import_string(path)
    return all(
        getattr(backend, name, None) is getattr(ModelBackend, name)
        for name in ("get_user", "user_can_authenticate")
    )


class CompiledQuery:
    """A queryset compiled to SQL once (at first use, per process) and then
    run with each request's values, its rows converted as the queryset
    would: building a query costs more than the database takes to answer
    these. `build` makes the queryset from stand-in values, which are found
    again among the SQL's parameters; the values go in as parameters, never
    into the SQL."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **stand_ins: Any) -> None:
        self.build = build
        self.stand_ins = stand_ins
        self._lock = threading.Lock()
        self._compiled: Compiled | None = None

    def first(self, **values: Any) -> tuple[Any, ...] | None:
        compiled = self.compiled()
        database = connections[compiled.using]
        params = [
            param if name is None else adapt(database, values[name])
            for name, param in compiled.slots
        ]
        with database.cursor() as cursor:
            if database.vendor == "postgresql" and settings.NEWSROOM_PREPARED_STATEMENTS:
                self.execute_prepared(database, cursor, compiled, params)
            else:
                cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        return cast("tuple[Any, ...]", next(iter(compiled.compiler.results_iter(results=[[row]]))))

    def execute_prepared(
        self,
        database: BaseDatabaseWrapper,
        cursor: CursorWrapper,
        compiled: Compiled,
        params: list[Any],
    ) -> None:
        """Run the query as a statement PostgreSQL keeps prepared for the
        connection's life: planned once, not on every run (planning the
        grant query took several times as long as running it). Django's own
        queries are never prepared; settings.NEWSROOM_PREPARED_STATEMENTS
        says when to turn this off."""
        connection = database.connection
        with PREPARED.lock:
            prepared = PREPARED.by_connection.get(connection)
        try:
            if prepared is None:
                # A new connection, or one whose statements went astray.
                cursor.execute("SELECT name FROM pg_prepared_statements")
                prepared = {name for (name,) in cursor.fetchall()}
                with PREPARED.lock:
                    PREPARED.by_connection[connection] = prepared
            if compiled.name not in prepared:
                cursor.execute(f"PREPARE {compiled.name} AS {compiled.numbered_sql}")
                prepared.add(compiled.name)
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXECUTE {compiled.name} ({placeholders})", params)
        except Exception:
            with PREPARED.lock:
                PREPARED.by_connection.pop(connection, None)
            raise

    def compiled(self) -> Compiled:
        with self._lock:
            if self._compiled is None:
                queryset = self.build(**self.stand_ins)
                compiler = queryset.query.get_compiler(queryset.db)
                sql, params = compiler.as_sql()
                names = {
                    adapt(connections[queryset.db], value): name
                    for name, value in self.stand_ins.items()
                }
                slots = [
                    (
                        names.get(param) if isinstance(param, str | int | datetime.date) else None,
                        param,
                    )
                    for param in params
                ]
                if {name for name, _ in slots} - {None} != set(self.stand_ins):
                    raise ImproperlyConfigured(f"Not every value is a parameter of: {sql}")
                # For PREPARE: PostgreSQL's numbered parameters, Django's %% unescaped.
                numbers = itertools.count(1)
                numbered_sql = re.sub(
                    "%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", sql
                )
                name = "newsroom_" + hashlib.sha256(sql.encode()).hexdigest()[:24]
                self._compiled = Compiled(queryset.db, compiler, sql, slots, numbered_sql, name)
            return self._compiled


def adapt(database: BaseDatabaseWrapper, value: Any) -> Any:
    """A value as the backend passes it to the driver (a date is text for
    SQLite, a date for psycopg), so that stand-ins are found among the
    compiled parameters and values replace them in the same form."""
    if isinstance(value, datetime.date):
        return database.ops.adapt_datefield_value(value)
    return value


class PreparedStatements:
    """Per PostgreSQL connection (psycopg's), the statements it holds prepared."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_connection: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


PREPARED = PreparedStatements()


class Compiled(NamedTuple):
    using: str
    compiler: SQLCompiler
    sql: str
    # Per parameter: the name of the value that goes there, or None and the parameter.
    slots: list[tuple[str | None, Any]]
    numbered_sql: str  # for PREPARE
    name: str  # of the prepared statement


EDITION_FIELDS = (
    "pk",
    "issue_id",
    "number",
    "pdf_file",
    "pdf_sha256",
    "pdf_size",
    "published_at",
    "issue__period_start",
    "issue__newsletter__slug",
    "reader_password",
)


def edition_row(**values: Any) -> QuerySet[Any]:
    """`views.subscriber_editions` as the one row of EDITION_FIELDS the layer reads."""
    return views.subscriber_editions(**values).values_list(*EDITION_FIELDS)[:1]


class SubscriberEditions:
    """`views.subscriber_editions`, compiled (the latest edition, or a given one)."""

    # Stand-ins for the values while compiling.
    STAND_INS: dict[str, Any] = {
        "newsletter": "front-downloads-newsletter-stand-in",
        "number": 1_999_999_001,
        "reader_id": 1_999_999_002,
        # Today, for the subscription's end date: a parameter, not compiled in.
        "today": datetime.date(1901, 2, 3),
    }

    def __init__(self) -> None:
        self.latest = CompiledQuery(edition_row, **self.STAND_INS)
        self.numbered = CompiledQuery(edition_row, **self.STAND_INS, edition=1_999_999_003)

    def first(
        self, *, reader_id: int, newsletter: str, number: int, edition: int | None = None
    ) -> dict[str, Any] | None:
        values = {
            "reader_id": reader_id,
            "newsletter": newsletter,
            "number": number,
            "today": timezone.localdate(),
        }
        if edition is None:
            row = self.latest.first(**values)
        else:
            row = self.numbered.first(**values, edition=edition)
        return None if row is None else dict(zip(EDITION_FIELDS, row, strict=True))


class Sessions:
    """A session's contents as its engine loads them. For the database
    engine's own `load` (not one that overrides it: cached_db reads its cache
    first), the same question compiled: the row by its key, unexpired."""

    def __init__(self) -> None:
        self.store = import_module(settings.SESSION_ENGINE).SessionStore
        self.by_key: CompiledQuery | None = None
        if self.store.load is db_sessions.SessionStore.load:
            model = self.store.get_model_class()
            self.by_key = CompiledQuery(
                lambda key: model.objects.filter(session_key=key).values_list(
                    "session_data", "expire_date"
                )[:1],
                key="front-downloads-session-stand-in",
            )

    def load(self, session_key: str) -> dict[str, Any]:
        store = self.store(session_key)
        if store.session_key is None:
            return {}  # not a key the engine would look up
        if self.by_key is None:
            return cast("dict[str, Any]", store.load())
        row = self.by_key.first(key=store.session_key)
        if row is None or row[1] <= timezone.now():
            return {}
        return cast("dict[str, Any]", store.decode(row[0]))
