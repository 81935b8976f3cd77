"""How many read each newsletter, from the totals the database keeps
(issues.models.audience), so that the publisher's audience page and an
issue's reach cost the same with a hundred readers or a hundred thousand.

The tally holds, per newsletter, how many subscriptions start and how many
end on each day. For a day: ended are those whose end is before it; ending
soon those whose end is within ENDING_SOON from it; current are all of them
less those not begun and those ended (plus the few that begin after they
end, which are both: counted from the subscriptions, by a small index).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from issues.models import DownloadCount, Subscription
from issues.models.audience import NO_END, NO_START, AudienceTally, Edge

ENDING_SOON = datetime.timedelta(days=30)


@dataclass(frozen=True)
class AudienceCounts:
    """One newsletter's subscriptions on one day."""

    subscriptions: int = 0
    current: int = 0
    ending: int = 0
    ended: int = 0
    never: int = 0


def audience_counts(
    today: datetime.date | None = None, *, newsletter_id: int | None = None
) -> dict[int, AudienceCounts]:
    """Per newsletter id (or for one), its counts on `today` (the
    publisher's day by default); a newsletter nobody subscribes to is
    absent. Two queries, neither of which reads a subscription but the odd
    ones."""
    day = today or timezone.localdate()
    ends, starts = Q(edge=Edge.ENDS), Q(edge=Edge.STARTS)
    tally, odd = AudienceTally.objects.all(), Subscription.objects.all()
    if newsletter_id is not None:
        tally = tally.filter(newsletter_id=newsletter_id)
        odd = odd.filter(newsletter_id=newsletter_id)

    def total(field: str, where: Q) -> Coalesce:
        return Coalesce(Sum(field, filter=where), 0, output_field=IntegerField())

    rows = (
        tally.order_by()
        .values("newsletter")
        .annotate(
            every=total("subscriptions", ends),
            ended=total("subscriptions", ends & Q(day__lt=day)),
            ending=total("subscriptions", ends & Q(day__range=(day, day + ENDING_SOON))),
            not_begun=total("subscriptions", starts & Q(day__gt=day)),
            unread=total("never", ends),
        )
    )
    both = dict(
        odd.filter(starts_on__gt=F("ends_on"))
        .filter(starts_on__gt=day, ends_on__lt=day)
        .order_by()
        .values("newsletter")
        .annotate(n=Count("pk"))
        .values_list("newsletter", "n")
    )
    return {
        row["newsletter"]: AudienceCounts(
            subscriptions=row["every"],
            current=row["every"] - row["not_begun"] - row["ended"] + both.get(row["newsletter"], 0),
            ending=row["ending"],
            ended=row["ended"],
            never=row["unread"],
        )
        for row in rows
        if row["every"]
    }


# Checking and mending the tally ------------------------------------------------

type TallyKey = tuple[int, str, datetime.date]


def counted_afresh() -> dict[TallyKey, tuple[int, int]]:
    """What the tally should hold, counted from every subscription: per
    (newsletter id, edge, day), (subscriptions, never)."""
    rows = Subscription.objects.annotate(
        downloaded=Exists(DownloadCount.objects.filter(user=OuterRef("user")))
    ).values_list("newsletter", "starts_on", "ends_on", "downloaded")
    expected: dict[TallyKey, list[int]] = defaultdict(lambda: [0, 0])
    for newsletter, starts_on, ends_on, downloaded in rows.iterator(chunk_size=5000):
        for key in (
            (newsletter, Edge.STARTS.value, starts_on or NO_START),
            (newsletter, Edge.ENDS.value, ends_on or NO_END),
        ):
            expected[key][0] += 1
            expected[key][1] += 0 if downloaded else 1
    return {key: (n, never) for key, (n, never) in expected.items()}


def kept() -> dict[TallyKey, tuple[int, int]]:
    """What the tally holds (rows at zero left out)."""
    rows = AudienceTally.objects.values_list("newsletter", "edge", "day", "subscriptions", "never")
    return {
        (newsletter, edge, day): (n, never)
        for newsletter, edge, day, n, never in rows
        if n or never
    }


def differences(
    expected: dict[TallyKey, tuple[int, int]] | None = None,
) -> dict[TallyKey, tuple[tuple[int, int] | None, tuple[int, int] | None]]:
    """Per row that is wrong: (what the tally holds, what it should)."""
    held = kept()
    if expected is None:
        expected = counted_afresh()
    return {
        key: (held.get(key), expected.get(key))
        for key in held.keys() | expected.keys()
        if held.get(key) != expected.get(key)
    }


@transaction.atomic
def recount() -> int:
    """Count the tally afresh from the subscriptions (nothing may change them
    meanwhile); how many rows were wrong."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE issues_subscription, issues_downloadcount IN SHARE ROW EXCLUSIVE MODE"
            )
    expected = counted_afresh()
    wrong = len(differences(expected))
    if wrong:
        AudienceTally.objects.all().delete()
        AudienceTally.objects.bulk_create(
            AudienceTally(newsletter_id=nl, edge=edge, day=day, subscriptions=n, never=never)
            for (nl, edge, day), (n, never) in expected.items()
        )
    return wrong
