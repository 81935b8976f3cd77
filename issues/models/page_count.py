"""The builder's live page count, stored per issue (computed by issues.rendering.page_count)."""

from __future__ import annotations

from django.db import models

from issues.models.issues import Issue


class PageCount(models.Model):
    """How many pages the PDF of an issue had when last laid out, or why it
    could not be; valid while the issue's render input has `digest`."""

    issue = models.OneToOneField(
        Issue, on_delete=models.CASCADE, primary_key=True, related_name="live_page_count"
    )
    digest = models.CharField(max_length=64, help_text="sha256 of the render's input.")
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why it could not be laid out.")
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "live page count"

    def __str__(self) -> str:
        return f"{self.issue}: {self.pages} pages" if self.pages else f"{self.issue}: {self.error}"
