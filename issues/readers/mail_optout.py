"""Readers who asked for no more mail of a newsletter.

Unsubscribing from a newsletter's mail is a mail preference, not the end of
the subscription: the reader keeps the archive, the feeds and the downloads;
only `deliver_issue` passes them by. One `MailOptOut` row per reader and
newsletter says "no mail"; every change, either way, writes a
`MailPreferenceChange` row (who, when, how) in the same transaction.

The mail's unsubscribe link carries a signed token naming one reader and one
newsletter (`unsubscribe_token`): it works without signing in (RFC 8058
one-click from the mailbox, or the confirm page), never expires, and names
nothing else, so it cannot unsubscribe another reader or from another
newsletter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction
from django.urls import reverse

from issues.models.mail_optout import How, MailOptOut, MailPreferenceChange
from newsroom.models import Newsletter

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_SALT = "issues.mail-optout.unsubscribe"  # noqa: S105 (a salt, not a secret)


def stop_mail(*, user: User, newsletter: Newsletter, how: How, by: User | None) -> bool:
    """No more mail of `newsletter` to `user`; False if there was none already."""
    with transaction.atomic():
        _, created = MailOptOut.objects.get_or_create(
            user=user, newsletter=newsletter, defaults={"how": how}
        )
        if created:
            MailPreferenceChange.objects.create(
                user=user, newsletter=newsletter, mail=False, how=how, by=by
            )
    return created


def resume_mail(*, user: User, newsletter: Newsletter, how: How, by: User | None) -> bool:
    """Mail of `newsletter` to `user` again; False if it was never stopped."""
    with transaction.atomic():
        deleted, _ = MailOptOut.objects.filter(user=user, newsletter=newsletter).delete()
        if deleted:
            MailPreferenceChange.objects.create(
                user=user, newsletter=newsletter, mail=True, how=how, by=by
            )
    return bool(deleted)


def unsubscribe_token(user_id: int, newsletter_id: int) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign(f"{user_id}.{newsletter_id}")


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """The (reader id, newsletter id) a token names, or None if it is not ours."""
    try:
        value = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    user_id, _, newsletter_id = value.partition(".")
    if not (user_id.isdigit() and newsletter_id.isdigit()):
        return None
    return int(user_id), int(newsletter_id)


def unsubscribe_path(user_id: int, newsletter_id: int) -> str:
    return reverse("issues:unsubscribe", args=[unsubscribe_token(user_id, newsletter_id)])
