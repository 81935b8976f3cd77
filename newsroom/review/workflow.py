"""The one workflow that stories and issues share: draft -> review -> published.

`perform()` is the only code that assigns `status`. It locks the row, checks
the current state and the model's own rules (permission, preconditions),
saves, and writes the audit row in one transaction; listeners of
`transitioned` run after commit, so a mail never announces a rolled-back
change.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone

from newsroom.text import validate_line, validate_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser

    User = AuthUser | AnonymousUser


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class WorkflowError(Exception):
    """A refused transition. The message is written for the person who asked."""


@dataclass(frozen=True)
class Transition:
    name: str
    source: Status
    target: Status
    label: str


SUBMIT = Transition("submit", Status.DRAFT, Status.REVIEW, "Submit for review")
REQUEST_CHANGES = Transition("request_changes", Status.REVIEW, Status.DRAFT, "Request changes")
PUBLISH = Transition("publish", Status.REVIEW, Status.PUBLISHED, "Publish")
WITHDRAW = Transition("withdraw", Status.PUBLISHED, Status.DRAFT, "Withdraw")
# An editor takes their own submitted story back from review (stories only).
RECALL = Transition("recall", Status.REVIEW, Status.DRAFT, "Recall to draft")
TRANSITIONS = {t.name: t for t in (SUBMIT, REQUEST_CHANGES, PUBLISH, WITHDRAW, RECALL)}

# Sent after commit with sender=the model class, instance, transition, by, comment.
transitioned = Signal()


class WorkflowModel(models.Model):
    """Status and publication date, changed only through `perform()`."""

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Transitions that need a comment, with what to say when it is missing:
    # whoever is sent back reads why.
    reason_required: ClassVar[dict[Transition, str]] = {
        REQUEST_CHANGES: "Say what needs to change: a comment is required.",
    }

    class Meta:
        abstract = True

    def check_transition(self, transition: Transition, *, by: User, comment: str = "") -> None:
        """Raise WorkflowError unless `by` may apply `transition` now."""
        if self.status != transition.source:
            raise WorkflowError(
                f"This {self._meta.verbose_name} is {self.status_label().lower()};"
                f" “{self.transition_word(transition)}” needs it to be"
                f" {self.status_word(transition.source).lower()}."
            )
        self.check_rules(transition, by=by)
        if transition in self.reason_required and not comment.strip():
            raise WorkflowError(self.reason_required[transition])
        try:
            validate_text(comment)
        except ValidationError as error:
            raise WorkflowError(f"Your comment was not accepted. {error.messages[0]}") from error

    def status_word(self, status: Status) -> str:
        """A status in this model's words (a story says "Approved")."""
        return status.label

    def status_label(self) -> str:
        return self.status_word(Status(self.status))

    def transition_word(self, transition: Transition) -> str:
        """A transition in this model's words (a story is approved, not published)."""
        return transition.label

    def check_rules(self, transition: Transition, *, by: User) -> None:
        """The model's own rules: who may, and what must hold first."""
        raise NotImplementedError

    def check_outcome(self, transition: Transition) -> None:
        """Rules on the row as it is about to be saved, after `prepare`
        (e.g. a published issue must carry its stored documents). Raise
        WorkflowError to refuse; nothing is saved then."""

    def allowed_transitions(self, user: User) -> list[Transition]:
        allowed = []
        for transition in TRANSITIONS.values():
            try:
                self.check_transition(transition, by=user, comment="-")
            except WorkflowError:
                continue
            allowed.append(transition)
        return allowed

    def mark_transition(self, transition: Transition, *, at: datetime.datetime) -> list[str]:
        """Set what this model keeps beside its status about the transition
        being applied at `at` (on the locked row, before it is saved); return
        the names of the fields set."""
        return []

    def log_transition(
        self,
        transition: Transition,
        *,
        by: AuthUser,
        comment: str,
        note: str,
        at: datetime.datetime | None = None,
    ) -> AuditRow:
        """Write the audit row for `transition`. Each workflow model keeps
        its audit rows (an `AuditRow` subclass) as `transitions`."""
        return self.transitions.create(  # type: ignore[attr-defined,no-any-return]
            transition=transition.name,
            from_status=transition.source,
            to_status=transition.target,
            by=by,
            at=at or timezone.now(),
            comment=comment,
            note=note,
        )


def published_has_date(name: str) -> models.CheckConstraint:
    """The constraint that a published row carries its publication date."""
    return models.CheckConstraint(
        condition=~models.Q(status=Status.PUBLISHED) | models.Q(published_at__isnull=False),
        name=name,
    )


def recorded_user(**options: Any) -> models.ForeignKey[Any, Any]:
    """Who did something, recorded by the code that did it (no form sets
    it); empty until then. A recorded user cannot be deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        **options,
    )


class AuditRow(models.Model):
    """Who moved what from which status to which, when and why."""

    transition = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, choices=Status.choices)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, validators=[validate_text])
    note = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_line],
        help_text="How the transition came about, e.g. “imported back issue”.",
    )

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_status} → {self.to_status} by {self.by}"


def perform[M: WorkflowModel](
    obj: M,
    transition: Transition,
    *,
    by: User,
    comment: str = "",
    note: str = "",
    prepare: Callable[[M], list[str]] | None = None,
    notify: bool = True,
) -> M:
    """Apply `transition` to `obj` as `by`, or raise WorkflowError.

    `prepare` runs on the locked row after every check and before saving; it
    may set more fields and returns their names (publishing stores the
    rendered artifacts this way, in the same transaction as the status).
    With notify=False nobody hears of it: importing years of back issues must
    not mail reviewers and subscribers about each one.
    """
    if not by.is_authenticated:
        raise WorkflowError("Sign in first.")
    with transaction.atomic():
        # Lock first: two reviewers pressing "publish" at once must not both
        # see "review" and both publish.
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        locked.check_transition(transition, by=by, comment=comment)
        # One instant for the row and its audit row, so that a mark kept on
        # the row (Story.sent_back_at) equals the audit row's time.
        now = timezone.now()
        locked.status = transition.target
        fields = ["status", "published_at"]
        if transition.target == Status.PUBLISHED:
            locked.published_at = now
        elif transition is WITHDRAW:
            locked.published_at = None
        fields += locked.mark_transition(transition, at=now)
        if prepare is not None:
            fields += prepare(locked)
        locked.check_outcome(transition)
        locked.save(update_fields=fields)
        locked.log_transition(transition, by=by, comment=comment, note=note, at=now)
        if notify:
            transaction.on_commit(
                lambda: transitioned.send(
                    sender=type(locked),
                    instance=locked,
                    transition=transition,
                    by=by,
                    comment=comment,
                )
            )
    for field in fields:
        setattr(obj, field, getattr(locked, field))
    return obj
