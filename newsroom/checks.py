"""System checks: the same prerequisites `make` checks, at every start-up.

A web process, a task worker or a render worker that lacks a prerequisite
would render issues that are not what we promise (fonts subset differently,
Chinese names printed as boxes), and nobody would notice. These checks turn
that into an error in `manage.py check`, `runserver`, `migrate` and every
command that runs the checks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from newsroom import prerequisites

# One stable id per prerequisite, so that an operator can look it up.
IDS = {
    "Pango": "newsroom.E001",
    "HarfBuzz subset library": "newsroom.E002",
    "Fontconfig": "newsroom.E003",
    f"{prerequisites.CJK_FAMILY} font": "newsroom.E004",
}


@register("prerequisites")
def check_prerequisites(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    lacking = prerequisites.missing()
    return [
        Error(
            f"{p.name} is missing: it {p.why}.",
            hint=f"Install it with: {prerequisites.install_command([p])}",
            id=IDS[p.name],
        )
        for p in lacking
    ]


@register("mail", deploy=True)
def check_site_url_is_https(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mailbox providers honour one-click unsubscribe only at an https address."""
    if settings.NEWSROOM_SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"NEWSROOM_SITE_URL is {settings.NEWSROOM_SITE_URL!r}: links in mail and feeds, "
            "and the one-click unsubscribe address, are not https.",
            hint="Set NEWSROOM_SITE_URL to the https address readers use.",
            id="newsroom.W010",
        )
    ]
