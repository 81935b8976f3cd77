"""Planning the week: assignments (story slots), desk notices, calendar keys.

An assignment is a story planned before it is written: a working headline,
the newsletter, who writes it and when it is due. Writing it creates the
story as its first draft (the same story from then on; its history starts
there). A desk notice tells one person that a deadline slipped; its
`lapse_key` is unique, so each lapse is announced once however often the
reminder task runs, and the row is also the queue of mails still to send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from newsroom import roles
from newsroom.models.stories import Story
from newsroom.review.workflow import Status, WorkflowError
from newsroom.text import shorten, validate_line, validate_text

if TYPE_CHECKING:
    import datetime

    from newsroom.models.stories import Story
    from newsroom.review.workflow import User


# What planning a slot sets, and an edit may change.
PLANNED_FIELDS = ["headline", "newsletter", "assignee", "due_at", "note"]


class SlotConflict(Exception):
    """An edit made from an older version of a slot than its current one."""

    def __init__(self, current: Assignment) -> None:
        self.current = current
        super().__init__(f"The slot changed since you opened it (now version {current.version}).")


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def open(self) -> AssignmentQuerySet:
        """Not delivered yet: unwritten, or still a draft."""
        return self.filter(models.Q(story__isnull=True) | models.Q(story__status=Status.DRAFT))

    def overdue(self, now: datetime.datetime | None = None) -> AssignmentQuerySet:
        return self.open().filter(due_at__lt=now or timezone.now())

    def for_calendar(self) -> AssignmentQuerySet:
        return self.select_related("newsletter", "assignee", "story")


class Assignment(models.Model):
    headline = models.CharField(
        "working headline",
        max_length=200,
        validators=[validate_line],
        help_text="What the story is about; the writer may change it.",
    )
    newsletter = models.ForeignKey(
        "newsroom.Newsletter", on_delete=models.PROTECT, related_name="assignments"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        help_text="The editor who writes it.",
    )
    due_at = models.DateTimeField("due", help_text="When the story should be submitted for review.")
    note = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text="Angle, contacts, length: anything that helps.",
    )
    story = models.OneToOneField(
        "newsroom.Story",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="assignment",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(
        auto_now=True, help_text="Last saved: the DTSTAMP of its calendar event."
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by every edit; an edit made from an older version is refused.",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        # The calendar and the reminder task ask "due between" per person.
        indexes = [models.Index(fields=["assignee", "due_at"]), models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        if self.story_id is not None:
            return reverse("desk:story_detail", args=[self.story_id])
        return reverse("desk:assignment_edit", args=[self.pk])

    def clean(self) -> None:
        if self.assignee_id is not None and not roles.is_editor(self.assignee):
            raise ValidationError({"assignee": "Stories are assigned to editors."})

    @property
    def state(self) -> str:
        """In the desk's words: not started, draft, in review, approved."""
        if self.story is None:
            return "Not started"
        if self.story.status == Status.PUBLISHED:
            return "Approved"
        return self.story.get_status_display()

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        delivered = self.story is not None and self.story.status != Status.DRAFT
        return not delivered and self.due_at < (now or timezone.now())

    def save_edit(self, *, expected_version: int) -> None:
        """Save this in-memory slot's planned fields as a new version, or
        raise SlotConflict if someone saved it since `expected_version` was
        loaded: two people editing one slot, the second never overwrites."""
        with transaction.atomic():
            current = Assignment.objects.select_for_update().get(pk=self.pk)
            if current.version != expected_version:
                raise SlotConflict(current)
            self.version = current.version + 1
            self.save(update_fields=[*PLANNED_FIELDS, "version", "changed_at"])

    def write(self, *, by: User) -> Story:
        """Turn the slot into its story's first draft, written by `by` (the
        assignee). Refused if someone else holds it or it was written."""

        with transaction.atomic():
            locked = Assignment.objects.select_for_update().get(pk=self.pk)
            if locked.story_id is not None:
                raise WorkflowError("This slot has been written already: open its story.")
            if by.pk != locked.assignee_id:
                raise WorkflowError(
                    f"This slot is assigned to {locked.assignee}; only they write it."
                )
            story = Story(headline=locked.headline, newsletter=locked.newsletter, author_id=by.pk)
            story._history_user = by  # type: ignore[attr-defined]
            story._change_reason = f"Written from the slot planned by {locked.created_by}"  # type: ignore[attr-defined]
            story.save()
            locked.story = story
            locked.save(update_fields=["story", "changed_at"])
        self.story = story
        return story


class DeskNotice(models.Model):
    """A slipped deadline told to one person: on the desk, and by one mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_notices"
    )
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # What lapsed and which deadline, e.g. "assignment:12:2026-11-25T09:00:00+00:00":
    # unique, so a lapse is announced once even when two workers check at once;
    # a moved deadline that slips again is a new lapse.
    lapse_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "dismissed_at"]),
            # The reminder task's queue of mails still to send.
            models.Index(
                fields=["created_at"],
                condition=models.Q(mailed_at__isnull=True),
                name="desk_notice_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.message}"

    @property
    def is_planned(self) -> bool:
        """A slot someone else planned for this user (not a lapse)."""
        return self.lapse_key.startswith(PLANNED_KEY)

    def subject(self) -> str:
        """The mail's subject: at most 80 characters of the message, cut
        between words."""
        prefix = "Planned for you" if self.is_planned else "Deadline"
        return shorten(f"{prefix}: {self.message}", 80)


PLANNED_KEY = "planned:"


def tell_planned(assignment: Assignment, *, by: User) -> DeskNotice | None:
    """A notice (on the desk, and mailed) to the person a slot is planned
    for, when someone else planned it or handed it to them."""
    if assignment.assignee_id == by.pk:  # type: ignore[attr-defined]
        return None
    due = timezone.localtime(assignment.due_at)
    notice, _ = DeskNotice.objects.get_or_create(
        lapse_key=f"{PLANNED_KEY}{assignment.pk}:{assignment.version}@{assignment.assignee_id}",  # type: ignore[attr-defined]
        defaults={
            "user_id": assignment.assignee_id,  # type: ignore[attr-defined]
            "message": shorten(
                f"{by.get_username()} planned “{assignment}” for you, due {due:%-d %B, %H:%M}.",
                300,
            ),
            "url": assignment.get_absolute_url(),
        },
    )
    return notice


class DeskSettings(models.Model):
    """A desk user's choices about being told things."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_settings"
    )
    daily_digest = models.BooleanField(
        default=False, help_text="A mail each day with what is due that day."
    )
    digest_hour = models.PositiveSmallIntegerField(
        "at",
        default=7,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text="The hour the digest goes out, in the publisher's time zone.",
    )
    digest_sent_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "desk settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23), name="digest_hour_of_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"desk settings of {self.user}"
