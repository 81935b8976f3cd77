"""Signed, expiring links in account mails (set a password, confirm a sign-up)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from newsroom.site import site_url


def token_link(url_name: str, user: User, generator: PasswordResetTokenGenerator) -> str:
    """An absolute one-time link for `user` (set a password, confirm an
    address), on the site's public address: the mail is read away from the
    request that sent it."""
    path = reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": generator.make_token(user),
        },
    )
    return site_url(path)


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Like the password reset token, but spent once the account is active."""

    key_salt = "issues.accounts.SignupTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


signup_token_generator = SignupTokenGenerator()
