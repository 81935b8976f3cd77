"""Organisations, their licences, the seats their readers take and the log of
seats given and freed (the rules in issues.readers.licences).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from issues.models.reader_changes import ReaderChange
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
        help_text="Whom readers ask about the licence; reminded before it ends. A contact "
        "adds and removes the organisation's readers on their own page.",
    )
    join_by_domain = models.BooleanField(
        "anyone at the email domain may ask to join",
        default=False,
        help_text="With an email domain set: a person with an address at it may ask for a "
        "seat on the public “Ask for access” page and gets one while a seat is free (the "
        "contacts are told when none is). Off: only the publisher and the contacts add "
        "readers.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(join_by_domain=True, email_domain=""),
                name="organisation_joins_by_a_named_domain",
                violation_error_message="Joining by email domain needs an email domain.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def domain(self) -> str:
        return self.email_domain.strip().lower().lstrip("@")

    def admits(self, email: str) -> bool:
        return not self.domain or email.lower().rsplit("@", 1)[-1] == self.domain


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


class SeatChange(ReaderChange):
    """The audit trail of seats given and freed outside the admin: who, when, how."""

    class How(models.TextChoices):
        CONTACT_PAGE = "contact", "the organisation's page"
        JOINED = "joined", "asked to join by email domain"
        OTHER = "other", "other"

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="seat_changes")
    taken = models.BooleanField(help_text="A seat given (on) or freed (off).")
    how = models.CharField(max_length=16, choices=How.choices, default=How.OTHER)

    class Meta(ReaderChange.Meta):
        pass

    def __str__(self) -> str:
        verb = "given" if self.taken else "freed"
        return f"seat of {self.user} at {self.licence.organisation} {verb} ({self.how})"


class LicenceFull(ValidationError):
    pass
