"""The site's public address, as mail, feeds and calendars name it.

NEWSROOM_SITE_URL is the address readers use (https in production); links in
mail and feeds are built from it, and its host names the site in tag: URIs,
Message-IDs, List-Ids and calendar UIDs.
"""

from __future__ import annotations

from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings


def site_url(path: str) -> str:
    """`path` (starting with /) as an absolute URL on the site."""
    return settings.NEWSROOM_SITE_URL.rstrip("/") + path


def site_domain() -> str:
    """The site's host name, without port: `news.example.org`."""
    return urlsplit(settings.NEWSROOM_SITE_URL).hostname or "localhost"


def message_id() -> str:
    """A new Message-ID on the site's domain (not the machine's name)."""
    return make_msgid(domain=site_domain())


def notice_headers() -> dict[str, str]:
    """Headers of a mail the site sends by itself (notices, reminders, issues):
    RFC 3834's Auto-Submitted keeps auto-responders from answering it."""
    return {"Message-ID": message_id(), "Auto-Submitted": "auto-generated"}
