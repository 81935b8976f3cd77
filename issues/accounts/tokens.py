"""The sign-up confirmation token (its link: `newsroom.security.passwords.token_link`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Like the password reset token, but spent once the account is active."""

    key_salt = "issues.accounts.SignupTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"


signup_token_generator = SignupTokenGenerator()
