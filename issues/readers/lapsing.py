"""Subscriptions with an end date: why a lapsed reader is refused, and the
publisher's reminders before an end date.

Whether a subscription still gives access is decided in one place, the
reader policy's grant (issues/readers/access.py, by `issues.models.
current_subscriptions_q`); this module only explains a
refusal to the reader and reminds the publisher (30 and 7 days before, once
each: the reminder is a DeskNotice whose unique key names the end date and
the window, made by the deadline check of newsroom/planning/reminders.py).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from issues.models import Subscription
from issues.readers.licences import licence_end_lapses
from newsroom.extension import Lapse

if TYPE_CHECKING:
    from newsroom.review.workflow import User

REMIND_BEFORE = (30, 7)  # days before the end date, each reminded once


class SubscriptionLapsed(PermissionDenied):
    """A reader whose subscription to the newsletter ended: a 403 that says
    when, and whom to ask."""


def whom_to_ask() -> str:
    contact = settings.NEWSROOM_REPLY_TO
    publisher = settings.NEWSROOM_PUBLISHER
    return f"{publisher} ({contact})" if contact else publisher


def explain(subscription: Subscription) -> str:
    licence = subscription.licence
    if licence is not None:
        contacts = [c.email for c in licence.organisation.contacts.all() if c.email]
        ask = f"{', '.join(contacts)} at {licence.organisation}, or " if contacts else ""
        if subscription.starts_on and subscription.starts_on > timezone.localdate():
            return (
                f"{licence.organisation}'s licence for {subscription.newsletter.title} starts "
                f"on {subscription.starts_on:%-d %B %Y}."
            )
        return (
            f"{licence.organisation}'s licence for {subscription.newsletter.title} ended on "
            f"{subscription.ends_on:%-d %B %Y}. To read on, ask {ask}{whom_to_ask()}."
        )
    if subscription.starts_on and subscription.starts_on > timezone.localdate():
        return (
            f"Your subscription to {subscription.newsletter.title} starts on "
            f"{subscription.starts_on:%-d %B %Y}."
        )
    return (
        f"Your subscription to {subscription.newsletter.title} ended on "
        f"{subscription.ends_on:%-d %B %Y}. To read on, ask {whom_to_ask()} to renew it."
    )


def lapsed_subscription(user: User, newsletter_slug: str) -> Subscription | None:
    """`user`'s ended subscription to the newsletter, if that is why they may not read."""
    if not user.is_authenticated:
        return None
    return (
        Subscription.objects.lapsed()  # type: ignore[attr-defined]
        .select_related("newsletter", "licence__organisation")
        .filter(user=user, newsletter__slug=newsletter_slug)
        .first()
    )


def lapsed_subscriptions(user: User) -> list[Subscription]:
    if not user.is_authenticated:
        return []
    return list(
        Subscription.objects.lapsed()  # type: ignore[attr-defined]
        .select_related("newsletter", "licence__organisation")
        .filter(user=user)
        .order_by("newsletter__title")
    )


def publisher_ids() -> list[int]:
    """Active staff who may add accounts (issues.desk.audience.is_publisher)."""
    may_add = Permission.objects.filter(content_type__app_label="auth", codename="add_user")
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=may_add)
            | Q(groups__permissions__in=may_add)
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def subscription_end_lapses(now: datetime.datetime) -> list[Lapse]:
    """One reminder per end date and window (30, then 7 days before) to each
    publisher: how many subscriptions end that day."""
    today = timezone.localdate(now)
    ending = (
        Subscription.objects.filter(
            ends_on__range=(today, today + datetime.timedelta(days=30)),
            licence__isnull=True,  # a licence is reminded of as one (issues/readers/licences.py)
        )
        .values("ends_on")
        .annotate(n=Count("pk"))
        .order_by("ends_on")
    )
    publishers = publisher_ids()
    lapses = []
    for row in ending:
        ends_on: datetime.date = row["ends_on"]  # type: ignore[assignment]  # the range excludes NULL
        n: int = row["n"]
        window = 7 if (ends_on - today).days <= 7 else 30
        url = reverse("issue_desk:audience") + "?show=ending"
        for user_id in publishers:
            lapses.append(
                Lapse(
                    user_id=user_id,
                    key=f"subscriptions-end:{ends_on.isoformat()}:{window}d",
                    message=f"{n} subscription{'s' if n != 1 else ''} end{'' if n != 1 else 's'} "
                    f"on {ends_on:%-d %B %Y}: renew or let lapse.",
                    url=url,
                )
            )
    return [*lapses, *licence_end_lapses(now, publishers)]
