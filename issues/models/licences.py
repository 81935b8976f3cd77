"""Organisations, their licences and the seats their readers take (the rules in
issues.readers.licences).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from newsroom.models.stories import Newsletter

if TYPE_CHECKING:
    pass


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    email_domain = models.CharField(
        max_length=200,
        blank=True,
        help_text="If set (e.g. energy.gov.example), only addresses at this domain may "
        "take the organisation's seats.",
    )
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organisations_contacted",
        help_text="Whom readers ask about the licence; reminded before it ends.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def admits(self, email: str) -> bool:
        domain = self.email_domain.strip().lower().lstrip("@")
        return not domain or email.lower().rsplit("@", 1)[-1] == domain


class Licence(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="licences"
    )
    newsletters = models.ManyToManyField(Newsletter, related_name="licences")
    seats = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    starts_on = models.DateField("first day")
    ends_on = models.DateField("last day", help_text="Readers lose access the day after.")

    class Meta:
        ordering = ["organisation__name", "-ends_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="licence_ends_after_it_starts",
                violation_error_message="A licence cannot end before it starts.",
            ),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="licence_has_seats"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.seats} seats until {self.ends_on:%-d %B %Y}"


class Seat(models.Model):
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="seats_taken")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seats"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["licence", "user"], name="seat_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.licence.organisation}"


class LicenceFull(ValidationError):
    pass
