"""Editions: the frozen documents of a published issue, and corrections.

Publishing an issue stores edition 1: its HTML and PDF, their sha256, size
and page count. A correction of one story, once published, stores edition 2
(3, ...) of the same issue number. Every edition stays stored and
downloadable byte for byte; the newest one is what the archive, the reading
page, the feeds and the default download serve. Nothing about an edition can
change once it is stored: the model, its queryset and the admin refuse.

A correction carries its own small workflow (draft -> review -> published)
through `newsroom.review.workflow.perform`, with an audit row for every step, so the
story and issue workflows stay untouched: the story keeps its status
("in issue no. N") while the corrected text is prepared here, and takes the
corrected text, with a history record, when the correction is published.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django_prose_editor.fields import ProseEditorField

from issues.models.issues import Issue, artifact_storage
from newsroom import roles
from newsroom.models.stories import Story
from newsroom.review import workflow
from newsroom.review.workflow import AuditRow, Status, Transition, WorkflowError
from newsroom.text import validate_line, validate_text
from newsroom.writing.sanitizing import BODY_EXTENSIONS, sanitize_body
from newsroom.writing.versioned import VersionedText

if TYPE_CHECKING:
    from newsroom.review.workflow import User


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
        validators=[validate_text],
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


def with_editions[Q: models.QuerySet[Any]](issues: Q) -> Q:
    """Prefetch each issue's editions, oldest first, as `issue.edition_list`."""
    return issues.prefetch_related(
        models.Prefetch(
            "editions", queryset=Edition.objects.order_by("number"), to_attr="edition_list"
        )
    )


@dataclass(frozen=True)
class CorrectionNote:
    """“Corrected on <date>: <text>”, printed at the foot of a story."""

    date: datetime.date
    text: str


class CorrectionQuerySet(models.QuerySet["Correction"]):
    def published(self) -> CorrectionQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def open(self) -> CorrectionQuerySet:
        return self.exclude(status=Status.PUBLISHED)


class Correction(VersionedText):
    """A corrected copy of one story of a published issue, on its way to
    becoming the issue's next edition.

    Started by a reviewer (with a note saying what is wrong), edited by an
    editor, submitted, and published by another reviewer: nobody who changed
    its text or started it publishes it. Until then the story, and every
    edition, stay exactly as they are.
    """

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="corrections")
    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="corrections")
    headline = models.CharField(max_length=200, validators=[validate_line])
    body = ProseEditorField(
        extensions=BODY_EXTENSIONS, sanitize=sanitize_body, blank=True, validators=[validate_text]
    )
    note = models.CharField(
        max_length=300,
        validators=[validate_line],
        help_text="What changed, as printed under the story: “Corrected on 3 December 2025: "
        "the contract value is 41 million, not 14 million.” Write the part after the colon.",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        help_text="Everyone who changed the corrected text; none of them may publish it.",
    )
    edition = models.OneToOneField(
        Edition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="correction",
        help_text="The edition that published this correction.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Editions follow one another: one correction at a time per issue.
            models.UniqueConstraint(
                fields=["issue"],
                condition=~models.Q(status=Status.PUBLISHED),
                name="one_open_correction_per_issue",
                violation_error_message="This issue already has a correction in progress.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.PUBLISHED) | models.Q(edition__isnull=False),
                name="published_correction_has_edition",
            ),
        ]

    def __str__(self) -> str:
        return f"Correction of “{self.story}” in {self.issue}"

    def get_absolute_url(self) -> str:
        return reverse("issue_desk:correction", args=[self.issue_id, self.pk])  # type: ignore[attr-defined]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body = sanitize_body(self.body or "", headline=self.headline)
        super().save(*args, **kwargs)

    @property
    def body_text(self) -> str:
        return strip_tags(self.body).strip()

    def applied_to(self, story: Story) -> Story:
        """`story` with the corrected text if it is this correction's story."""
        if story.pk != self.story_id:  # type: ignore[attr-defined]
            return story
        corrected = copy.copy(story)
        corrected.headline, corrected.body = self.headline, self.body
        return corrected

    def note_as_of(self, when: datetime.datetime) -> CorrectionNote:
        return CorrectionNote(timezone.localtime(when).date(), self.note)

    def published_note(self) -> CorrectionNote:
        """The note as its edition stored it: the frozen record, whatever
        later happens to this row."""
        assert self.edition is not None
        day = timezone.localtime(self.edition.published_at).date()
        return CorrectionNote(day, self.edition.correction_note)

    # Edited like a story (newsroom.writing.versioned): who may edit in which
    # status, the body's bounds, a new version under lock or EditConflict.
    EDIT_FIELDS = ["headline", "body", "note"]

    def edit_saved(self, *, by: User) -> None:
        self.editors.add(by)  # type: ignore[arg-type]

    def check_rules(self, transition: Transition, *, by: User) -> None:
        if transition is workflow.WITHDRAW:
            raise WorkflowError("A published correction is part of an edition; it stays.")
        if transition is workflow.RECALL:
            raise WorkflowError("A correction is not recalled: a reviewer requests changes.")
        if transition is workflow.SUBMIT:
            if not roles.is_editor(by):
                raise WorkflowError("Only an editor can submit a correction.")
            self._check_complete()
            return
        if not roles.is_reviewer(by):
            raise WorkflowError(f"Only a reviewer can {transition.label.lower()}.")
        if transition is workflow.PUBLISH:
            if self.editors.filter(pk=by.pk or 0).exists():
                raise WorkflowError(
                    "You changed this correction's text: another reviewer publishes it."
                )
            if self.started_by_id == by.pk:  # type: ignore[attr-defined]
                raise WorkflowError("You started this correction: a second reviewer publishes it.")
            self._check_complete()

    def _check_complete(self) -> None:
        if not (self.headline.strip() and self.body_text and self.note.strip()):
            raise WorkflowError("A correction needs a headline, a body and a note.")
        if self.headline == self.story.headline and self.body == self.story.body:
            raise WorkflowError("The corrected text is the same as the published one.")


class CorrectionTransition(AuditRow):
    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="transitions")

    class Meta(AuditRow.Meta):
        indexes = [models.Index(fields=["correction", "-at"])]


class CorrectionNotice(models.Model):
    """One row per reader per published correction: the guard against
    mailing the same correction twice (as Delivery is for the issue)."""

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["correction", "user"], name="correction_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.correction} → {self.user}"
