"""The publisher's own PDF of an imported back issue, kept beside
Newsroom's rendering when the editor asks for it at import. Subscribers who
may read the issue may download it (issues/desk/back_issues.py serves it);
it is never rendered, changed or sent by mail."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import models

from issues.models.issues import Issue, artifact_storage


class OriginalPdf(models.Model):
    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, related_name="original_pdf")
    file = models.FileField(storage=artifact_storage, editable=False)
    name = models.CharField(
        max_length=200, help_text="The file's name as uploaded, for the download."
    )
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(editable=False)
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kept_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "original PDF of a back issue"

    def __str__(self) -> str:
        return f"{self.issue}: {self.name}"


def keep_original(*, issue: Issue, name: str, data: bytes, by: User) -> OriginalPdf:
    """Store `data` beside `issue`. The caller's transaction holds the row;
    the file is written first and removed again if the row is not saved."""
    digest = hashlib.sha256(data).hexdigest()
    original = OriginalPdf(issue=issue, name=name[-200:], sha256=digest, size=len(data), kept_by=by)
    original.file.save(
        f"originals/{issue.newsletter.slug}-{issue.number}-{digest[:12]}.pdf",
        ContentFile(data),
        save=False,
    )
    try:
        original.save()
    except BaseException:
        original.file.delete(save=False)
        raise
    return original
