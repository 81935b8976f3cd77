"""Reach: who downloaded which edition, counted on our own server.

Every full download of a stored PDF or HTML document (the site's download
links, a private feed's link, a signed link) adds one to a daily counter
row per edition, day, reader (when known), document and way in. No pixel,
no third party, no per-request log: one INSERT ... ON CONFLICT DO UPDATE
SET count = count + 1 per download. A 304 ("you have
it already") and a HEAD are not downloads.

Readers' own rows go with their account (on_delete CASCADE): a subscriber
who leaves takes their history with them; the totals they were part of shrink.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from issues.editions import Edition
from issues.models import Issue, Subscription
from newsroom.workflow import Status

if TYPE_CHECKING:
    from newsroom.models import Newsletter
    from newsroom.workflow import User


class Document(models.TextChoices):
    PDF = "pdf", "PDF"
    HTML = "html", "HTML"


class Channel(models.TextChoices):
    SITE = "site", "Site"
    FEED = "feed", "Private feed"
    LINK = "link", "Signed link"


class DownloadCount(models.Model):
    """Downloads of one edition on one day, by one reader (or by readers we
    do not know), of one document, by one way in."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="downloads")
    day = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="downloads",
    )
    document = models.CharField(max_length=8, choices=Document.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "edition"]
        constraints = [
            # One counter row per key; NULL (an unknown reader) needs its own
            # partial index, as NULLs never collide in a unique index.
            models.UniqueConstraint(
                fields=["edition", "day", "user", "document", "channel"],
                condition=Q(user__isnull=False),
                name="download_count_once_per_reader",
            ),
            models.UniqueConstraint(
                fields=["edition", "day", "document", "channel"],
                condition=Q(user__isnull=True),
                name="download_count_once_anonymous",
            ),
        ]
        indexes = [
            # A reader's own history, newest first (the account page).
            models.Index(fields=["user", "-day"], name="download_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.edition} on {self.day}: {self.count}"


def count_download(
    edition: Edition, *, user: User | None, document: Document, channel: Channel
) -> None:
    """Add one download to today's counter row, in one statement: INSERT the
    row, or if it exists, add one to its count (atomic in the database, so
    concurrent downloads are never lost). Raw SQL because the ORM cannot say
    "count = count + 1" on conflict; both PostgreSQL and SQLite speak it, the
    WHERE naming the partial unique index the conflict is about."""
    if not settings.NEWSROOM_COUNT_DOWNLOADS:
        return
    user_id = user.pk if user is not None and user.is_authenticated else None
    key = _KNOWN_READER if user_id is not None else _UNKNOWN_READER
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A counter, not a record: it need not wait for the WAL to reach
            # the disk (a crash may lose the last moment's counts, never
            # corrupt them). That wait was most of a download's time.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            key,
            [edition.pk, timezone.localdate(), user_id, str(document), str(channel)],
        )


_UPSERT = (
    "INSERT INTO issues_downloadcount (edition_id, day, user_id, document, channel, count)"
    " VALUES (%s, %s, %s, %s, %s, 1)"
    " ON CONFLICT ({columns}) WHERE {condition}"
    " DO UPDATE SET count = issues_downloadcount.count + 1"
)
_KNOWN_READER = _UPSERT.format(
    columns="edition_id, day, user_id, document, channel", condition="user_id IS NOT NULL"
)
_UNKNOWN_READER = _UPSERT.format(
    columns="edition_id, day, document, channel", condition="user_id IS NULL"
)


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
        (a download by signed link names no reader: see `unknown`)."""
        if not self.subscribers:
            return 0
        return round(100 * self.subscribers_who_downloaded / self.subscribers)


def issue_reach(issue: Issue) -> IssueReach:
    rows = DownloadCount.objects.filter(edition__issue=issue)
    per_day = rows.values("day").annotate(total=Sum("count")).order_by("day")
    per_edition = (
        rows.values("edition__number").annotate(total=Sum("count")).order_by("edition__number")
    )
    subscribers = Subscription.objects.filter(newsletter_id=issue.newsletter_id)  # type: ignore[attr-defined]
    return IssueReach(
        total=rows.aggregate(total=Sum("count"))["total"] or 0,
        readers=rows.exclude(user=None).values("user").distinct().count(),
        unknown=rows.filter(user=None).aggregate(total=Sum("count"))["total"] or 0,
        subscribers=subscribers.count(),
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
    last = issues.order_by("-period_start", "-number").annotate(
        total=Sum("editions__downloads__count")
    )[:TREND_LENGTH]
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
