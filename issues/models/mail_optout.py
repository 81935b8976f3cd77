"""Readers who asked for no more mail of a newsletter, and the log of each
change (see issues.readers.mail_optout).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from issues.models.reader_changes import ReaderChange
from newsroom.models.stories import Newsletter


class How(models.TextChoices):
    ONE_CLICK = "one-click", "one-click unsubscribe (from the mailbox)"
    CONFIRM_PAGE = "confirm-page", "the unsubscribe page of the mail's link"
    ACCOUNT_PAGE = "account-page", "the account page"


class MailOptOut(models.Model):
    """`user` gets no mail of `newsletter` (and still reads it on the site)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_opt_outs"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="mail_opt_outs"
    )
    at = models.DateTimeField(default=timezone.now)
    how = models.CharField(max_length=16, choices=How.choices)

    class Meta:
        verbose_name = "mail opt-out"
        constraints = [
            models.UniqueConstraint(fields=["user", "newsletter"], name="mail_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"no mail of {self.newsletter} to {self.user}"


class MailPreferenceChange(ReaderChange):
    """The audit trail: each unsubscribe and resubscribe, who, when and how."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="+")
    mail = models.BooleanField(help_text="Mail on (resubscribed) or off (unsubscribed).")
    how = models.CharField(max_length=16, choices=How.choices)

    class Meta(ReaderChange.Meta):
        pass

    def __str__(self) -> str:
        state = "on" if self.mail else "off"
        return f"mail of {self.newsletter} {state} for {self.user} ({self.how})"
