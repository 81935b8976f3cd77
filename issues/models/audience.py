"""The audience's totals kept by the database, so that counting them does not
grow with the readers (see issues.readers.audience).

Each subscription is one on two rows of its newsletter: the day it starts
(`Edge.STARTS`; none is the first day there is) and the day it ends
(`Edge.ENDS`; none is the last). The totals of any day follow from the rows
before and after it: current readers are every subscription, less those not
yet begun and those ended. `never` counts, on the same rows, the
subscriptions whose reader has never downloaded anything.

Triggers on the subscriptions and the download counters keep the rows, in
the same transaction as the change (migration issues/0030); nothing in
Python writes them but `issues.readers.audience.recount`.
"""

from __future__ import annotations

import datetime

from django.db import models

from newsroom.models import Newsletter

NO_START = datetime.date.min
NO_END = datetime.date.max


class Edge(models.TextChoices):
    STARTS = "s", "Starts"
    ENDS = "e", "Ends"


class AudienceTally(models.Model):
    # No constraint: a newsletter's deletion deletes its subscriptions, whose
    # triggers write here after the deletion began; rows left at zero harm none.
    newsletter = models.ForeignKey(
        Newsletter,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audience_tallies",
    )
    edge = models.CharField(max_length=1, choices=Edge.choices)
    day = models.DateField()
    subscriptions = models.IntegerField(default=0)
    never = models.IntegerField(
        default=0, help_text="Of these subscriptions, those whose reader never downloaded."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "edge", "day"], name="audience_tally_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.newsletter_id} {self.edge} {self.day}: {self.subscriptions}"
