"""What the audit rows of a reader's changes share: whose, by whom, when.

A reader's mail preference (`MailPreferenceChange`) and seat
(`SeatChange`) can each change without anyone signed in (a mail's link,
asking to join by email domain), so `by` may be empty."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReaderChange(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who was signed in; empty when nobody was (a mail's link, asking to join).",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]
