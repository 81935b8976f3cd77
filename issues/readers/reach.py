"""Reach: who downloaded which edition, counted on our own server.

Every full download of a stored PDF or HTML document (the site's download
links, a private feed's link, a signed link) adds one to a daily counter
row per edition, day, reader (when known), document and way in. No pixel,
no third party, no per-request log: INSERT ... ON CONFLICT DO UPDATE SET
count = count + n. A 304 ("you have it already") and a HEAD are not
downloads.

Where a WSGI server runs the site (`counted_in_memory`, which settings name
in NEWSROOM_WSGI_LAYERS, turns `tally` on), a download only adds one
in the process's memory: a thread of each worker writes what accumulated in
one statement every second, and at the worker's exit, so the download itself
never waits for the database. A worker that is killed (not stopped) loses at
most its last second of counts. Elsewhere (the test client, management
commands) each download is written at once.

A reader who deletes their account (issues/accounts/own_data.py) leaves their
counts behind without their name: they are added to the anonymous rows first,
so the totals stay. (A user deleted otherwise, in the admin, takes their rows
with them: on_delete CASCADE.)
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, models, transaction
from django.db.models import Sum
from django.utils import timezone

from issues.models import Issue, Subscription
from issues.models.editions import Edition
from issues.models.reach import Channel, Document, DownloadCount
from issues.readers.audience import AudienceCounts, audience_counts
from newsroom.review.workflow import Status

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from newsroom.models import Newsletter
    from newsroom.review.workflow import User

    type WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

logger = logging.getLogger(__name__)


def count_download(
    edition: Edition, *, user: User | None, document: Document, channel: Channel
) -> None:
    """Add one download of `edition` to today's counter row."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    count(edition.pk, user_id=user_id, document=document, channel=channel)


def count(edition_id: int, *, user_id: int | None, document: Document, channel: Channel) -> None:
    """Add one download, by ids."""
    if not settings.NEWSROOM_COUNT_DOWNLOADS:
        return
    key = (edition_id, timezone.localdate(), user_id, str(document), str(channel))
    if tally.buffering:
        tally.add(key)
    else:
        write_counts({key: 1})


type CountKey = tuple[int, date, int | None, str, str]


def write_counts(counts: dict[CountKey, int]) -> None:
    """Add `counts` to their counter rows: one INSERT ... ON CONFLICT DO
    UPDATE for the known readers' rows and one for the unknown readers'
    (atomic in the database, so concurrent writers never lose a count). Raw
    SQL because the ORM cannot say "count = count + n" on conflict; both
    PostgreSQL and SQLite speak it, the WHERE naming the partial unique index
    the conflict is about."""
    known = [(*key, n) for key, n in counts.items() if key[2] is not None]
    unknown = [(*key, n) for key, n in counts.items() if key[2] is None]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A counter, not a record: it need not wait for the WAL to reach
            # the disk (a crash may lose the last moment's counts, never
            # corrupt them). That wait was most of a download's time.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        for rows, conflict in ((known, _KNOWN_READER), (unknown, _UNKNOWN_READER)):
            # In chunks: a backlog (after the database was away) must stay
            # under the drivers' limits on parameters per statement.
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                chunk = rows[start : start + ROWS_PER_STATEMENT]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    _UPSERT.format(values=values, conflict=conflict),
                    [value for row in chunk for value in row],
                )


ROWS_PER_STATEMENT = 1000
_UPSERT = (
    "INSERT INTO issues_downloadcount (edition_id, day, user_id, document, channel, count)"
    " VALUES {values} ON CONFLICT {conflict}"
    " DO UPDATE SET count = issues_downloadcount.count + excluded.count"
)
_KNOWN_READER = "(edition_id, day, user_id, document, channel) WHERE user_id IS NOT NULL"
_UNKNOWN_READER = "(edition_id, day, document, channel) WHERE user_id IS NULL"


def counted_in_memory(application: WSGIApplication) -> WSGIApplication:
    """The site as a WSGI server serves it (settings.NEWSROOM_WSGI_LAYERS):
    unchanged, with downloads counted in the worker's memory and written in
    bulk rather than one write per download."""
    tally.buffer()
    return application


class Tally:
    """Downloads counted in memory, written in bulk by a thread of the
    process every `interval` seconds and when the process exits."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.buffering = False
        self._forget_parent()
        os.register_at_fork(after_in_child=self._forget_parent)

    def _forget_parent(self) -> None:
        # A forked child starts empty: what its parent counted is the
        # parent's to write, and its lock may have been held mid-fork.
        self._pending: Counter[CountKey] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._flusher: threading.Thread | None = None

    def buffer(self) -> None:
        """From now on, count in memory (the WSGI server's processes)."""
        self.buffering = True

    def add(self, key: CountKey) -> None:
        with self._lock:
            self._pending[key] += 1
            # Started in the process that counts: threads do not survive a
            # fork (a server may fork its workers after importing the site).
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._run, name="download-tally", daemon=True
                )
                self._flusher.start()
                atexit.register(self.close)

    def close(self) -> None:
        """Stop the thread and write what is left (at the process's exit)."""
        self._stopping.set()
        if self._flusher is not None and self._flusher is not threading.current_thread():
            self._flusher.join()
        self.flush()

    def flush(self) -> None:
        """Write what was counted so far. On a database error the counts are
        kept for the next try; a row the database refuses (its reader has
        left, taking their rows with them) is dropped."""
        with self._lock:
            counts, self._pending = dict(self._pending), Counter()
        if not counts:
            return
        try:
            write_counts(counts)
        except IntegrityError:
            self._write_one_by_one(counts)
        except Exception:
            logger.exception("Writing %d download counts failed; trying again", len(counts))
            with self._lock:
                self._pending.update(counts)
            connection.close()

    def _write_one_by_one(self, counts: dict[CountKey, int]) -> None:
        for key, n in counts.items():
            try:
                write_counts({key: n})
            except IntegrityError:
                logger.warning("Dropped %d downloads the database refuses: %s", n, key)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            # As at a request's start and end: a connection past its
            # CONN_MAX_AGE or broken is replaced.
            close_old_connections()
            self.flush()
        connection.close()


tally = Tally()


# What the desk shows ---------------------------------------------------------

TREND_LENGTH = 10


@dataclass(frozen=True)
class IssueReach:
    total: int
    readers: int
    unknown: int
    subscribers: int
    subscribers_who_downloaded: int
    per_day: list[tuple[str, int]]
    per_edition: list[tuple[int, int]]

    @property
    def share(self) -> int:
        """Percent of today's subscribers known to have downloaded the issue
        (a signed link made without a reader counts none: see `unknown`)."""
        if not self.subscribers:
            return 0
        return round(100 * self.subscribers_who_downloaded / self.subscribers)


def issue_reach(issue: Issue) -> IssueReach:
    rows = DownloadCount.objects.filter(edition__issue=issue)
    per_day = rows.values("day").annotate(total=Sum("count")).order_by("day")
    per_edition = (
        rows.values("edition__number").annotate(total=Sum("count")).order_by("edition__number")
    )
    subscribers = Subscription.objects.current().filter(newsletter_id=issue.newsletter_id)  # type: ignore[attr-defined]
    counts = audience_counts(newsletter_id=issue.newsletter_id)
    return IssueReach(
        total=rows.aggregate(total=Sum("count"))["total"] or 0,
        readers=rows.exclude(user=None).values("user").distinct().count(),
        unknown=rows.filter(user=None).aggregate(total=Sum("count"))["total"] or 0,
        subscribers=counts.get(issue.newsletter_id, AudienceCounts()).current,
        subscribers_who_downloaded=rows.filter(user__in=subscribers.values("user"))
        .values("user")
        .distinct()
        .count(),
        per_day=[(f"{row['day']:%d %b}", row["total"]) for row in per_day],
        per_edition=[(row["edition__number"], row["total"]) for row in per_edition],
    )


def newsletter_trend(newsletter: Newsletter, upto: Issue | None = None) -> list[tuple[str, int]]:
    """Downloads of each of the newsletter's last published issues (up to
    `upto`), oldest first: the trend the desk draws."""
    issues = Issue.objects.filter(newsletter=newsletter, status=Status.PUBLISHED)
    if upto is not None:
        issues = issues.filter(period_start__lte=upto.period_start)
    # The last issues first, then their downloads: summed in one query with
    # the LIMIT, every issue of the newsletter was summed before the cut
    # (7 ms at twenty years).
    newest = issues.order_by("-period_start", "-number")
    last = (
        Issue.objects.filter(pk__in=list(newest.values_list("pk", flat=True)[:TREND_LENGTH]))
        .order_by("-period_start", "-number")
        .annotate(total=Sum("editions__downloads__count"))
    )
    return [(f"no. {issue.number}", issue.total or 0) for issue in reversed(last)]  # type: ignore[attr-defined]


# Rows for the CSV exports and the account page -------------------------------

CSV_HEADER = [
    "newsletter",
    "issue",
    "edition",
    "day",
    "reader",
    "email",
    "document",
    "channel",
    "downloads",
]


def export_rows(rows: models.QuerySet[DownloadCount]) -> Iterator[list[object]]:
    """One CSV row per counter row, read in chunks (the export streams)."""
    values = rows.order_by("edition__issue__number", "edition__number", "day", "pk").values_list(
        "edition__issue__newsletter__slug",
        "edition__issue__number",
        "edition__number",
        "day",
        "user__username",
        "user__email",
        "document",
        "channel",
        "count",
    )
    for row in values.iterator(chunk_size=2000):
        yield [value if value is not None else "" for value in row]
