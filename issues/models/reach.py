"""Counted downloads of an edition, per day, reader, document and channel (see
issues.readers.reach).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from issues.models.editions import Edition

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    type WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


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
