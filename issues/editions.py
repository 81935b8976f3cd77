"""Editions: the frozen documents of a published issue, and corrections.

Publishing an issue stores edition 1: its HTML and PDF, their sha256, size
and page count. A correction of one story, once published, stores edition 2
(3, ...) of the same issue number. Every edition stays stored and
downloadable byte for byte; the newest one is what the archive, the reading
page, the feeds and the default download serve. Nothing about an edition can
change once it is stored: the model, its queryset and the admin refuse.

A correction carries its own small workflow (draft -> review -> published)
through `newsroom.workflow.perform`, with an audit row for every step, so the
story and issue workflows stay untouched: the story keeps its status
("in issue no. N") while the corrected text is prepared here, and takes the
corrected text, with a history record, when the correction is published.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from issues.models import Issue, artifact_storage


class FrozenEdition(Exception):
    """An attempt to change or delete a stored edition."""


class EditionQuerySet(models.QuerySet["Edition"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise FrozenEdition("A stored edition cannot be changed.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise FrozenEdition("A stored edition cannot be deleted.")


class Edition(models.Model):
    """One stored version of a published issue. Written once, never changed."""

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="editions")
    number = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text="1 when the issue is published; each published correction adds one.",
    )
    html_file = models.FileField(storage=artifact_storage, editable=False)
    pdf_file = models.FileField(storage=artifact_storage, editable=False)
    html_sha256 = models.CharField(max_length=64, editable=False)
    pdf_sha256 = models.CharField(max_length=64, editable=False)
    pdf_size = models.PositiveIntegerField(editable=False)
    page_count = models.PositiveIntegerField(editable=False)
    renderer_version = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="What rendered the stored artifacts (WeasyPrint, Pango, HarfBuzz and a "
        "digest of our template, stylesheet and typefaces), to compare a re-render honestly.",
    )
    published_at = models.DateTimeField(
        editable=False, help_text="The date printed in the documents' metadata."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    correction_note = models.TextField(
        blank=True,
        editable=False,
        help_text="What this edition corrects, as printed under the corrected story.",
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["issue", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "number"],
                name="edition_number_unique_per_issue",
                violation_error_message="This issue already has an edition with this number.",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="edition_number_positive"
            ),
            models.CheckConstraint(
                # A subscriber's download must never find nothing to send.
                condition=~models.Q(pdf_file="")
                & ~models.Q(html_file="")
                & ~models.Q(pdf_sha256="")
                & ~models.Q(html_sha256=""),
                name="edition_has_its_documents",
                violation_error_message="An edition needs its stored PDF and HTML.",
            ),
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(correction_note=""),
                name="edition_correction_has_note",
                violation_error_message="A later edition says what it corrects.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue}, edition {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise FrozenEdition("A stored edition cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise FrozenEdition("A stored edition cannot be deleted.")

    @property
    def is_correction(self) -> bool:
        return self.number > 1


def latest_edition(issue: Issue) -> Edition | None:
    """The edition every reader gets by default: the newest one. Uses
    `issue.edition_list` when a view prefetched it (see `with_editions`)."""
    prefetched = getattr(issue, "edition_list", None)
    if prefetched is not None:
        return prefetched[-1] if prefetched else None
    return issue.editions.order_by("-number").first()  # type: ignore[attr-defined]


def with_editions[Q: models.QuerySet[Any]](issues: Q) -> Q:
    """Prefetch each issue's editions, oldest first, as `issue.edition_list`."""
    return issues.prefetch_related(
        models.Prefetch(
            "editions", queryset=Edition.objects.order_by("number"), to_attr="edition_list"
        )
    )
