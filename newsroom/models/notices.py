"""One pending line of review-thread mail for one person (sent in batches by
newsroom.review.thread_mail).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    pass


class Notice(models.Model):
    email = models.EmailField()
    story = models.ForeignKey(
        "newsroom.Story", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    line = models.TextField(help_text="What happened, as the mail says it.")
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["email", "created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notice_pending_by_email",
            )
        ]

    def __str__(self) -> str:
        return f"to {self.email}: {self.line[:40]}"
