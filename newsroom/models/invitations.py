"""Outside reviewers' invitations: the signed link, its expiry and withdrawal,
and the log of its uses (see newsroom.review.invitations).
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone

from newsroom.models.comments import MAX_COMMENT
from newsroom.review.thread_mail import notify
from newsroom.site import notice_headers, site_url
from newsroom.text import local_time, validate_text

if TYPE_CHECKING:
    from newsroom.review.workflow import User

DEFAULT_DAYS = 7
MAX_DAYS = 60


class Verdict(models.TextChoices):
    LOOKS_GOOD = "looks_good", "Looks good"
    NEEDS_CHANGES = "needs_changes", "Needs changes"


class Use(models.TextChoices):
    OPENED = "opened", "Opened the page"
    COMMENTED = "commented", "Commented"
    VERDICT = "verdict", "Gave a verdict"


class Refusal(Exception):
    """A link that cannot be used; `status` is the HTTP answer."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def tampered() -> Refusal:
    return Refusal(
        400,
        "This review link is not valid",
        "The link is incomplete or was changed. Copy it again from the mail.",
    )


class Invitation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(help_text="Who is invited; their comments and verdict go under it.")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    SALT: ClassVar[str]
    # The field naming the reviewed object, e.g. "story".
    SUBJECT: ClassVar[str]

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.subject})"

    @property
    def subject(self) -> Any:
        return getattr(self, self.SUBJECT)

    @property
    def subject_id(self) -> int:
        return int(getattr(self, f"{self.SUBJECT}_id"))

    def token(self) -> str:
        return signing.dumps({"i": str(self.pk)}, salt=self.SALT)

    @classmethod
    def from_token(cls, token: str) -> Any:
        """The invitation a link names, or raise Refusal(400) if it names none."""
        try:
            value = signing.loads(token, salt=cls.SALT)
            return cls._default_manager.select_related("invited_by").get(
                pk=uuid.UUID(str(value["i"]))
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError, cls.DoesNotExist):
            raise tampered() from None

    def clean(self) -> None:
        """The day limit holds wherever an invitation is written (the admin
        may change `expires_at`), not only in the desk's form."""
        super().clean()
        if self.expires_at is None or self.created_at is None:
            return
        latest = self.created_at + datetime.timedelta(days=MAX_DAYS)
        if not self.created_at < self.expires_at <= latest:
            raise ValidationError(
                {
                    "expires_at": f"A review link lasts from 1 to {MAX_DAYS} days: choose a time"
                    f" after {local_time(self.created_at)} and no later than"
                    f" {local_time(latest)}."
                }
            )

    def check_usable(self, subject_id: int) -> None:
        if self.subject_id != subject_id:
            raise Refusal(
                403, "This link is for something else", "Open the link exactly as it was sent."
            )
        if self.revoked_at is not None:
            raise Refusal(
                410,
                "This review link was withdrawn",
                "The newsroom withdrew this invitation. Ask whoever invited you for a new one.",
            )
        if self.closes_at() <= timezone.now():
            raise Refusal(
                410,
                "This review link has expired",
                f"It was valid until {local_time(self.closes_at())}."
                " Ask whoever invited you for a new one.",
            )

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.closes_at() > timezone.now()

    def closes_at(self) -> datetime.datetime:
        """When the link stops working: its expiry, or earlier where what it
        shows must not outlive an embargo (see the issue's invitation)."""
        return self.expires_at

    def embargo_until(self) -> datetime.datetime | None:
        """The publication time before which what the link shows is secret,
        if it is scheduled."""
        return None

    def closes_text(self) -> str:
        return local_time(self.closes_at())

    def embargo_text(self) -> str:
        """The embargo's end in the publisher's zone, or "" without one."""
        until = self.embargo_until()
        return local_time(until) if until is not None else ""

    def log(self, action: Use, *, verdict: str = "", comment: str = "") -> Any:
        return self.uses.create(  # type: ignore[attr-defined]
            email=self.email, action=action, verdict=verdict, comment=comment
        )

    def revoke(self, *, by: User) -> bool:
        updated = (
            type(self)
            ._default_manager.filter(pk=self.pk, revoked_at__isnull=True)
            .update(revoked_at=timezone.now(), revoked_by=by)
        )
        return bool(updated)

    def give_verdict(self, verdict: Verdict, comment: str) -> Any:
        """Log the verdict under the reviewer's email and tell whoever invited them."""
        if verdict == Verdict.NEEDS_CHANGES and not comment.strip():
            raise ValueError("Say what needs to change.")
        if len(comment) > MAX_COMMENT:  # as a comment on a passage
            raise ValueError(f"Keep a comment under {MAX_COMMENT} characters.")
        try:
            validate_text(comment)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
        with transaction.atomic():
            use = self.log(Use.VERDICT, verdict=verdict, comment=comment.strip())
            notify(
                [self.invited_by.email],
                line=f"{self.email} reviewed {self.subject}: {verdict.label}."
                + (f"\n    {comment.strip()}" if comment.strip() else ""),
                link=site_url(self.desk_path()),
            )
        return use

    def desk_path(self) -> str:
        raise NotImplementedError

    def link(self) -> str:
        raise NotImplementedError

    def mail(self) -> EmailMessage:
        inviter = self.invited_by.get_full_name() or self.invited_by.get_username()
        body = (
            f"{inviter} asks you to review “{self.subject}” before it goes out.\n\n"
            f"Open it here (no account needed): {self.link()}\n\n"
            "Select words to comment on them, then say whether it looks good or needs changes.\n"
            f"The link works until {local_time(self.closes_at())}.\n"
        )
        return EmailMessage(
            f"[Newsroom] Please review: {self.subject}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [self.email],
            headers=notice_headers(),
        )


class InvitationUse(models.Model):
    """One use of a review link: the audit trail of an outside reviewer."""

    email = models.EmailField()
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=Use.choices)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    comment = models.TextField(blank=True, validators=[validate_text])

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email}: {self.action} at {self.at:%Y-%m-%d %H:%M}"


class StoryInvitation(Invitation):
    story = models.ForeignKey(
        "newsroom.Story", on_delete=models.CASCADE, related_name="invitations"
    )

    SALT = "newsroom.review-invitation.story"
    SUBJECT = "story"

    def desk_path(self) -> str:
        return f"{self.story.get_absolute_url()}review/"

    def closes_at(self) -> datetime.datetime:
        """A story in an issue scheduled for publication is under its
        embargo: the link closes at that time if it comes first."""
        scheduled = self.embargo_until()
        return min(self.expires_at, scheduled) if scheduled else self.expires_at

    def embargo_until(self) -> datetime.datetime | None:
        if not hasattr(self, "_embargo"):
            found = self.story.scheduled_issue()
            self._embargo = found[1] if found else None
        return self._embargo

    def link(self) -> str:
        from django.urls import reverse

        return site_url(reverse("outside_story", args=[self.story_id, self.token()]))


class StoryInvitationUse(InvitationUse):
    invitation = models.ForeignKey(StoryInvitation, on_delete=models.CASCADE, related_name="uses")
