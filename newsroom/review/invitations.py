"""Outside reviewers: people without an account, invited by email to review
one story (here) or one issue (the publishing room's subclass).

An invitation is a row with a random id; the link carries that id signed
with Django's signing (a salt per kind of invitation, so a story's link
means nothing on an issue's page). The row decides the rest: its expiry
(chosen by the reviewer), whether it was revoked, which object it is for.
Every use of a link is logged: one that gets through as an `InvitationUse`
row under the reviewer's email address (opened, commented, gave a verdict:
the audit trail the desk reads); a refused one in the `newsroom.review.outside`
log, since it may name no invitation at all (a tampered link).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from newsroom.models.invitations import DEFAULT_DAYS, MAX_DAYS, Invitation

if TYPE_CHECKING:
    from newsroom.review.workflow import User


def invite[I: Invitation](
    model: type[I], *, subject: Any, email: str, days: int = DEFAULT_DAYS, by: User
) -> I:
    """Create an invitation to review `subject` and mail its link after commit."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"Choose between 1 and {MAX_DAYS} days.")
    with transaction.atomic():
        invitation = model._default_manager.create(
            email=email.strip().lower(),
            invited_by=by,
            expires_at=timezone.now() + datetime.timedelta(days=days),
            **{model.SUBJECT: subject},
        )
        transaction.on_commit(lambda: _mail_later(invitation))
    return invitation


def _mail_later(invitation: Invitation) -> None:
    send_invitation.enqueue(model=invitation._meta.label, pk=str(invitation.pk))


@task
def send_invitation(*, model: str, pk: str) -> int:
    """Mail an outside reviewer their link (`model` is the invitation's label)."""
    invitation = apps.get_model(model)._default_manager.filter(pk=pk).first()
    return invitation.mail().send() if invitation is not None else 0
