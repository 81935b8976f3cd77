"""Logs never carry the secrets that some of our addresses hold.

An outside reviewer's link, a private feed or calendar address, a signed
download link, a sign-up confirmation or password-reset link: each is a
credential in its path. Django logs request paths (every 4xx and 5xx:
"Forbidden: /review/story/74/<token>/"; runserver every request), and logs
are read far more widely than credentials should be. `RedactSecrets`, a
logging filter on the console handler and on Django's request loggers (see
LOGGING in settings), rewrites each record's message (and traceback) with
those path segments replaced by "[redacted]".

Which segments: every URL parameter named `token` or `key` in the URLconf,
read from it at the first record after start-up, so that a new link of that
kind is covered without a change here; and query parameters that carry
signatures or keys (`?token=`, S3's `X-Amz-Signature=`, ...).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.urls.resolvers import RoutePattern

REDACTED = "[redacted]"
SECRET_PARAMETERS = ("token", "key")
SECRET_QUERY = re.compile(
    r"(?i)([?&](?:token|key|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)"
    r"[^&\s\"'#]+"
)
SEGMENT = r"[^/?#\s\"']+?"
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def secret_routes(patterns: Iterable[Any], prefix: str = "") -> Iterator[str]:
    """The full route of every path() whose parameters include a secret,
    through include()s (re_path() patterns hold none of ours)."""
    for entry in patterns:
        route = prefix + str(getattr(entry, "pattern", ""))
        children = getattr(entry, "url_patterns", None)
        if children is not None:
            yield from secret_routes(children, route)
        elif isinstance(getattr(entry, "pattern", None), RoutePattern) and any(
            m.group("name") in SECRET_PARAMETERS for m in PARAMETER.finditer(route)
        ):
            yield route


def route_regex(route: str) -> re.Pattern[str]:
    """A route as a regex that finds it anywhere in a message, as far as the
    path segment of its last secret (so that a tampered or unknown tail is
    found too): the secrets captured (groups "secret<n>"), the other
    parameters matched as any text within a segment."""
    last = [m for m in PARAMETER.finditer(route) if m.group("name") in SECRET_PARAMETERS][-1]
    cut = route.find("/", last.end())
    route = route if cut < 0 else route[:cut]
    parts, end, secrets = [], 0, 0
    for match in PARAMETER.finditer(route):
        parts.append(re.escape(route[end : match.start()]))
        if match.group("name") in SECRET_PARAMETERS:
            secrets += 1
            parts.append(rf"(?P<secret{secrets}>{SEGMENT})")
        else:
            parts.append(SEGMENT)
        end = match.end()
    if tail := route[end:]:
        # ".pdf" after the token: a path without it holds the token as well.
        parts.append(f"(?:{re.escape(tail)})?")
    return re.compile("/" + "".join(parts) + r"(?=[/?#\s\"']|$)")


class RedactSecrets(logging.Filter):
    _routes: list[re.Pattern[str]] | None = None

    @classmethod
    def routes(cls) -> list[re.Pattern[str]]:
        if cls._routes is None:
            if not apps.ready:
                return []  # before start-up: no request has been logged yet
            from django.urls import get_resolver

            routes = secret_routes(get_resolver().url_patterns)
            cls._routes = list(
                {regex.pattern: regex for regex in map(route_regex, routes)}.values()
            )
        return cls._routes

    @classmethod
    def redact(cls, text: str) -> str:
        if "/" not in text and "=" not in text:
            return text
        for regex in cls.routes():
            text = regex.sub(_redact_secrets, text)
        return SECRET_QUERY.sub(rf"\1{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _redact_secrets(match: re.Match[str]) -> str:
    text, start = match.group(0), match.start()
    found = [name for name, value in match.groupdict().items() if value is not None]
    # Right to left, so that the earlier offsets stay valid.
    for name in sorted(found, key=match.start, reverse=True):
        a, b = match.start(name) - start, match.end(name) - start
        text = text[:a] + REDACTED + text[b:]
    return text
