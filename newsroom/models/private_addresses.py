"""Private addresses: a secret key in a URL that stands for one person.

A subscriber's private feeds and a desk user's calendar feed are read by
programs that cannot sign in, so the address itself is the credential. One
model holds every such key, one per person and purpose; renewing it makes
a new key and the old address stops working at once.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_key() -> str:
    return secrets.token_urlsafe(24)


class Purpose(models.TextChoices):
    FEED = "feed", "private feeds"
    CALENDAR = "calendar", "calendar feed"


class PrivateAddressKey(models.Model):
    """The key in a person's private address for one purpose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_address_keys"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    key = models.CharField(max_length=64, unique=True, default=new_key)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "purpose"], name="private_address_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} key of {self.user}"

    @classmethod
    def of(cls, user: Any, purpose: Purpose) -> PrivateAddressKey | None:
        """`user`'s key for `purpose`, if they made one."""
        return cls.objects.filter(user_id=user.pk, purpose=purpose).first()

    @classmethod
    def find(cls, key: str, purpose: Purpose) -> PrivateAddressKey | None:
        """The key a private address holds, with its owner; a key made for
        another purpose opens nothing here."""
        return cls.objects.select_related("user").filter(key=key, purpose=purpose).first()

    @classmethod
    def renew(cls, user: Any, purpose: Purpose) -> tuple[PrivateAddressKey, bool]:
        """Make `user`'s key for `purpose`, or replace it (the old address
        stops working); says whether it is the first."""
        found, created = cls.objects.get_or_create(user_id=user.pk, purpose=purpose)
        if not created:
            found.key = new_key()
            found.created_at = timezone.now()
            found.save(update_fields=["key", "created_at"])
        return found, created
