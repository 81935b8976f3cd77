"""Sign-in lockout: per (username, address), and per username across addresses.

django-axes counts failed sign-ins in the database, which every web process
shares. Its configured parameters (AXES_LOCKOUT_PARAMETERS) lock a username
out from one address after AXES_FAILURE_LIMIT failures: a stranger elsewhere
cannot lock the user out that way. An attacker who spreads guesses over many
addresses is stopped by the second count, of the username's failures from
every address, with a higher limit (NEWSROOM_USERNAME_FAILURE_LIMIT): past
it the username is locked out from every address but those it signed in from
lately (KNOWN_ADDRESS_DAYS), for the cool-off only (AXES_COOLOFF_TIME after
the last counted failure; refused tries during a lockout do not extend it),
after which the real user signs in from anywhere as ever. The policy in
words is in docs/hardening.md.
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

# An address the username signed in from within so many days is the real
# user's: the per-username lockout spares it (the pair lockout still counts).
KNOWN_ADDRESS_DAYS = 30


def username_failures(request: HttpRequest, username: str) -> int:
    """Failed sign-ins as `username` from any address within the cool-off."""
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=get_cool_off_threshold(request)
    )
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def signed_in_from_here(request: HttpRequest, username: str) -> bool:
    since = timezone.now() - datetime.timedelta(days=KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(
        username=username,
        ip_address=getattr(request, "axes_ip_address", None),
        attempt_time__gte=since,
    ).exists()


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes's database handler, with the per-username count added.

    Axes asks `get_failures` both when a sign-in fails (to lock) and before
    one is tried (whether it is locked); past the per-username limit, the
    answer is the pair limit itself, so that both lock. A successful sign-in
    still resets only its own (username, address) pair: the real user
    signing in does not wipe out what an attacker elsewhere has tried.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair = int(super().get_failures(request, credentials))
        username = get_client_username(request, credentials)
        if (
            username
            and username_failures(request, username) >= settings.NEWSROOM_USERNAME_FAILURE_LIMIT
            and not signed_in_from_here(request, username)
        ):
            return max(pair, int(get_failure_limit(request, credentials)))
        return pair
