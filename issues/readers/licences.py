"""Organisations and their licences: "12 readers at the Ministry of Energy
until 31 March".

An `Organisation` holds `Licence`s (newsletters, a number of seats, a first
and a last day); a reader belongs to an organisation by taking a `Seat` on
one of its licences. Access follows the licence through the one rule of
issues.models (`current_subscriptions_q`): each seat is written out as the
reader's subscriptions to the licence's newsletters (`Subscription.licence`,
with the licence's first and last day), so every way in (page, PDF, feed,
mail, the download layer) asks the same question as for an individual
subscription, and a reader loses access at their next request after the
licence ends. A reader's own subscription to a newsletter is never replaced
by a licence's. `sync_licence` makes the subscriptions match the seats and
the licence after any change (the admin calls it on save).

Seats are counted under a lock on the licence (`take_seat`), so two
publishers cannot hand out the last seat twice, and each seat given or freed
there writes a `SeatChange` row. An organisation's email domain, when set,
is the only domain whose readers may take its seats; with `join_by_domain`
its people may ask for one themselves (issues/accounts/joining.py). Its
contacts manage its readers on its own page (issues/accounts/organisation.py).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from issues.models import Subscription
from issues.models.licences import Licence, LicenceFull, Seat, SeatChange
from newsroom import roles
from newsroom.extension import Lapse

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def take_seat(
    *,
    licence: Licence,
    user: User,
    by: User | None = None,
    how: SeatChange.How = SeatChange.How.OTHER,
) -> Seat:
    """Give `user` a seat on `licence`, or refuse with a reason (ValidationError)."""
    with transaction.atomic():
        locked = (
            Licence.objects.select_for_update().select_related("organisation").get(pk=licence.pk)
        )
        if not locked.organisation.admits(user.email):
            raise ValidationError(
                f"{user.email} is not at {locked.organisation.email_domain}: "
                f"the seats of {locked.organisation} are for its own addresses."
            )
        seat = Seat.objects.filter(licence=locked, user=user).first()
        if seat is not None:
            return seat
        if locked.seats_taken.count() >= locked.seats:
            raise LicenceFull(
                f"All {locked.seats} seats of {locked.organisation}'s licence are taken; "
                "free one first."
            )
        seat = Seat.objects.create(licence=locked, user=user)
        user.groups.add(Group.objects.get(name=roles.SUBSCRIBERS))
        sync_licence(locked)
        SeatChange.objects.create(licence=locked, user=user, taken=True, how=how, by=by)
    return seat


def free_seat(
    *,
    licence: Licence,
    user: User,
    by: User | None = None,
    how: SeatChange.How = SeatChange.How.OTHER,
) -> bool:
    """Free `user`'s seat on `licence` (their access through it ends at once);
    False if they held none."""
    with transaction.atomic():
        freed, _ = Seat.objects.filter(licence=licence, user=user).delete()
        sync_licence(licence)
        if freed:
            SeatChange.objects.create(licence=licence, user=user, taken=False, how=how, by=by)
    return bool(freed)


def seat_subscription(licence: Licence, user_id: int, newsletter_id: int) -> Subscription:
    """The subscription a seat on `licence` gives its reader to a newsletter:
    the licence's dates, and the licence named as where it comes from."""
    return Subscription(
        user_id=user_id,
        newsletter_id=newsletter_id,
        licence=licence,
        starts_on=licence.starts_on,
        ends_on=licence.ends_on,
    )


def sync_licence(licence: Licence) -> None:
    """Make the licence's subscriptions match its seats, newsletters and days:
    one per seat and newsletter, unless the reader holds that newsletter
    otherwise (their own subscription, or another licence)."""
    readers = set(licence.seats_taken.values_list("user_id", flat=True))
    newsletters = set(licence.newsletters.values_list("pk", flat=True))
    mine = Subscription.objects.filter(licence=licence)
    mine.exclude(user__in=readers).delete()
    mine.exclude(newsletter__in=newsletters).delete()
    mine.update(starts_on=licence.starts_on, ends_on=licence.ends_on)
    held = set(
        Subscription.objects.filter(user__in=readers, newsletter__in=newsletters).values_list(
            "user_id", "newsletter_id"
        )
    )
    Subscription.objects.bulk_create(
        [
            seat_subscription(licence, user_id, newsletter_id)
            for user_id in readers
            for newsletter_id in newsletters
            if (user_id, newsletter_id) not in held
        ]
    )


def licence_end_lapses(now: datetime.datetime, publishers: list[int]) -> list[Lapse]:
    """30 and 7 days before a licence's last day, once each, to the
    publishers and the organisation's contacts."""
    today = timezone.localdate(now)
    ending = Licence.objects.filter(
        ends_on__range=(today, today + datetime.timedelta(days=30))
    ).select_related("organisation")
    lapses = []
    for licence in ending.prefetch_related("organisation__contacts"):
        window = 7 if (licence.ends_on - today).days <= 7 else 30
        contacts = [c.pk for c in licence.organisation.contacts.all() if c.is_active]
        used = licence.seats_taken.count()
        for user_id in dict.fromkeys([*publishers, *contacts]):
            lapses.append(
                Lapse(
                    user_id=user_id,
                    key=f"licence-ends:{licence.pk}:{licence.ends_on.isoformat()}:{window}d",
                    message=f"The licence of {licence.organisation} ({used} of {licence.seats} "
                    f"seats) ends on {licence.ends_on:%-d %B %Y}: renew or let lapse.",
                    # A contact is a reader: their organisation's page, not the desk.
                    url=reverse("issue_desk:audience")
                    if user_id in publishers
                    else reverse("issues:organisation", args=[licence.organisation.pk]),
                )
            )
    return lapses
