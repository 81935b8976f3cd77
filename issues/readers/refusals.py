"""One log line for each refused reader request: who, what and why.

A refusal answers 404 like a missing issue (nobody learns that an issue
exists), and Django logs only "Not Found: <path>"; this line, at WARNING in
the `newsroom.access` logger, says whom we refused (user id), what they
asked for (newsletter, issue, edition) and why, with the same facts as
structured fields of the record (`user_id`, `reason`, `newsletter`,
`issue`, `edition`) for a log shipper. Never a key or token: a private
address is named by its owner, never by itself.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

access_log = logging.getLogger("newsroom.access")


def log_refusal(
    user: AbstractBaseUser | AnonymousUser | None,
    reason: str,
    *,
    newsletter: str | None = None,
    issue: int | None = None,
    edition: int | None = None,
) -> None:
    user_id = user.pk if user is not None and user.is_authenticated else None
    asked = [
        f"{label} {value}"
        for label, value in (("newsletter", newsletter), ("issue", issue), ("edition", edition))
        if value is not None
    ]
    access_log.warning(
        "refused %s: %s (%s)",
        f"user {user_id}" if user_id is not None else "an anonymous request",
        reason,
        ", ".join(asked) or "nothing named",
        extra={
            "user_id": user_id,
            "reason": reason,
            "newsletter": newsletter,
            "issue": issue,
            "edition": edition,
        },
    )
