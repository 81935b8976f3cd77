"""Account mails: invitations and sign-up confirmations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from issues.models import Subscription
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.naming import create_with_unique_name
from newsroom.security.passwords import token_link
from newsroom.site import message_id, site_url
from newsroom.text import one_line

if TYPE_CHECKING:
    from collections.abc import Iterable

    from newsroom.review.workflow import User as AnyUser


def send_account_mail(user: User, template: str, context: dict[str, Any], subject: str) -> None:
    context = {"user": user, "publisher": settings.NEWSROOM_PUBLISHER, **context}
    message = EmailMultiAlternatives(
        one_line(subject),
        render_to_string(f"issues/mail/{template}.txt", context),
        to=[user.email],
        headers={"Message-ID": message_id()},
    )
    message.send()


def invite_subscriber(
    *,
    email: str,
    newsletters: Iterable[Newsletter],
    invited_by: AnyUser,
) -> User:
    """Give `email` a subscriber account (or reuse theirs), subscribe it to
    `newsletters` and mail a link to choose a password.

    Inviting an address again sends a fresh link: the remedy for a lost mail.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            # The address itself is the username, made unique if a
            # (different) account already has it.
            user = create_with_unique_name(
                email.lower()[:140],
                create=lambda name: User.objects.create_user(name, email=email, password=None),
                taken=lambda name: User.objects.filter(username__iexact=name).exists(),
            )
        user.groups.add(Group.objects.get(name=roles.SUBSCRIBERS))
        subscribed = list(newsletters)
        for newsletter in subscribed:
            Subscription.objects.get_or_create(user=user, newsletter=newsletter)
    mail_invitation(user, subscribed, invited_by=invited_by)
    return user


def mail_invitation(
    user: User,
    newsletters: list[Newsletter],
    *,
    invited_by: AnyUser | None,
) -> None:
    """The invitation: a link to choose a password (Django's reset link)."""
    send_account_mail(
        user,
        "invitation",
        {
            "link": token_link("password_reset_confirm", user, default_token_generator),
            "newsletters": newsletters,
            "invited_by": invited_by,
            "login_url": site_url(reverse("login")),
        },
        subject=f"Your subscription at {settings.NEWSROOM_PUBLISHER}",
    )
