from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import strip_tags
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from newsroom import roles
from newsroom.sanitizing import BODY_EXTENSIONS, sanitize_body
from newsroom.workflow import (
    PUBLISH,
    REQUEST_CHANGES,
    SUBMIT,
    WITHDRAW,
    AuditRow,
    Status,
    Transition,
    WorkflowError,
    WorkflowModel,
)

if TYPE_CHECKING:
    from newsroom.workflow import User


class SourceQuerySet(models.QuerySet["Source"]):
    def named(self, name: str) -> SourceQuerySet:
        """Sources are one per name, whatever its case."""
        return self.filter(name__iexact=name.strip())


class Source(models.Model):
    name = models.CharField(
        max_length=120,
        help_text="As cited at the end of a story, e.g. “China Daily”.",
    )
    homepage = models.URLField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="source_name_unique_ci",
                violation_error_message="A source with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StoryQuerySet(models.QuerySet["Story"]):
    def published(self) -> StoryQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def in_review(self) -> StoryQuerySet:
        return self.filter(status=Status.REVIEW)

    def drafts(self) -> StoryQuerySet:
        return self.filter(status=Status.DRAFT)


class Story(WorkflowModel):
    headline = models.CharField(max_length=200)
    body = ProseEditorField(
        extensions=BODY_EXTENSIONS,
        sanitize=sanitize_body,
        blank=True,
        help_text="One paragraph; our stories run 60–90 words.",
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stories",
        help_text="Cited in bold at the end of the story.",
    )
    original_url = models.URLField(
        "link to the original article", max_length=500, blank=True
    )
    newsletter = models.ForeignKey(
        "issues.Newsletter",
        on_delete=models.PROTECT,
        related_name="stories",
        help_text="The newsletter this story is written for.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stories"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by every edit; an edit made from an older version is refused.",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-updated_at", "-pk"]
        permissions = [("review_story", "Can approve stories or send them back")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=Status.PUBLISHED)
                | models.Q(published_at__isnull=False),
                name="story_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("desk:story_detail", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every path that writes a body (forms, admin, importer, shell) goes
        # through here, so nothing unsanitised reaches the database.
        self.body = sanitize_body(self.body or "")
        super().save(*args, **kwargs)

    @property
    def body_text(self) -> str:
        return strip_tags(self.body).strip()

    @property
    def word_count(self) -> int:
        return len(strip_tags(self.body.replace("<", " <")).split())

    def in_published_issue(self) -> bool:
        return self.issue_entries.filter(issue__status=Status.PUBLISHED).exists()  # type: ignore[attr-defined]

    def check_rules(self, transition: Transition, *, by: User) -> None:
        if transition is SUBMIT:
            if not (by == self.author or roles.is_editor(by)):
                raise WorkflowError("Only the author or an editor can submit a story.")
            missing = [
                label
                for label, value in [
                    ("a headline", self.headline.strip()),
                    ("a body", self.body_text),
                    ("a source", self.source_id),
                ]
                if not value
            ]
            if missing:
                raise WorkflowError(
                    "A story needs " + ", ".join(missing) + " before review."
                )
        elif not roles.is_reviewer(by):
            raise WorkflowError(f"Only a reviewer can {transition.label.lower()}.")
        elif transition is PUBLISH and by == self.author:
            raise WorkflowError("Nobody approves their own story: ask another reviewer.")
        elif transition is WITHDRAW and self.in_published_issue():
            raise WorkflowError(
                "This story is in a published issue and cannot be withdrawn."
            )

    def log_transition(
        self, transition: Transition, *, by: User, comment: str, note: str
    ) -> StoryTransition:
        return self.transitions.create(  # type: ignore[attr-defined]
            transition=transition.name,
            from_status=transition.source,
            to_status=transition.target,
            by=by,
            comment=comment,
            note=note,
        )

    def last_request_for_changes(self) -> StoryTransition | None:
        return self.transitions.filter(transition=REQUEST_CHANGES.name).first()  # type: ignore[attr-defined]


class StoryTransition(AuditRow):
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="transitions"
    )

    class Meta(AuditRow.Meta):
        indexes = [models.Index(fields=["story", "-at"])]
