"""Signed, expiring links in account mails (set a password, confirm a sign-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from issues.delivery import site_url

if TYPE_CHECKING:
    pass


def absolute(path: str, request: HttpRequest | None) -> str:
    return request.build_absolute_uri(path) if request is not None else site_url(path)


def token_link(
    url_name: str,
    user: User,
    generator: PasswordResetTokenGenerator,
    request: HttpRequest | None,
) -> str:
    """An absolute one-time link for `user` (set a password, confirm an address)."""
    path = reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": generator.make_token(user),
        },
    )
    return absolute(path, request)


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Like the password reset token, but spent once the account is active."""

    key_salt = "issues.accounts.SignupTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


signup_token_generator = SignupTokenGenerator()
