"""The client's address, read correctly behind the documented proxy.

Behind nginx every request comes from the proxy's address; the client's is
the one the last trusted proxy appended to X-Forwarded-For. Addresses further
left were written by the client itself and prove nothing. With
NEWSROOM_TRUSTED_PROXIES = 0 (no proxy) the header is ignored altogether, so
nobody can pick the address their failed sign-ins are counted against.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent `request`, as far as our proxies vouch."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.NEWSROOM_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = [
        hop.strip()
        for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if hop.strip()
    ]
    if not forwarded:
        return remote
    # Each trusted proxy appended one address; the first of those is the client.
    return forwarded[max(len(forwarded) - trusted, 0)]
