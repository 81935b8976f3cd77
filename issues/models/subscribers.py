"""A reader's profile and the log of subscriber-list imports (see issues.readers.subscribers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    pass


class ReaderProfile(models.Model):
    """What a subscriber list says of a reader beyond the account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_profile"
    )
    organisation = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.organisation}"


class SubscriberImport(models.Model):
    """An uploaded subscriber list, kept between the dry run and the
    confirmation (in the database, so any web node can confirm it)."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriber_imports"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200)
    text = models.TextField(help_text="Emptied once applied: the readers are in the accounts now.")
    applied_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"
