"""Characters no text of ours may hold, refused on input and dropped on output.

XML 1.0 (the Atom feeds, the PDF's XMP metadata), HTML and mail headers
forbid control characters: one ESC in a headline made every feed of its
newsletter answer 500. Every text field refuses them (`validate_line` for
one-line fields, `validate_text` where tab and line breaks belong), and
whatever we serialise passes through `printable`, so that text stored
before the rule (or written around it) cannot break a document either.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.deconstruct import deconstructible

# C0 controls but tab, line feed and carriage return; DEL and the C1
# controls; lone surrogates; the noncharacters U+FFFE and U+FFFF.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
FORBIDDEN = re.compile(f"[{_FORBIDDEN}]")
FORBIDDEN_IN_LINE = re.compile(f"[\t\n\r{_FORBIDDEN}]")


def printable(text: str) -> str:
    """`text` without the characters no document format of ours may carry."""
    return FORBIDDEN.sub("", text)


def one_line(text: str) -> str:
    """`text` fit for a title or a mail subject: printable, on one line."""
    return " ".join(printable(text).split())


def zone_name() -> str:
    """The publisher's time zone in words: "Brussels time", or "UTC"."""
    key = settings.NEWSROOM_TIME_ZONE
    if "/" not in key:
        return key
    return key.rsplit("/", 1)[1].replace("_", " ") + " time"


def local_time(when: datetime.datetime) -> str:
    """An instant as the desk shows it, for mails and messages: in the
    publisher's time zone, named ("10 Dec 2026 14:04 Brussels time")."""
    return f"{timezone.localtime(when):%-d %b %Y %H:%M} {zone_name()}"


def shorten(text: str, limit: int) -> str:
    """`text` on one line in at most `limit` characters, cut at a word
    boundary with an ellipsis (a subject never ends mid-word)."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–—-") + "…"


@deconstructible
class TextValidator:
    """Refuse control characters; `multiline` allows tab and line breaks."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        pattern = FORBIDDEN if self.multiline else FORBIDDEN_IN_LINE
        found = pattern.search(str(value))
        if found is None:
            return
        char = found.group()
        if char in "\t\n\r":
            message = "Keep this on one line: remove the tab or line break."
        else:
            message = (
                f"Remove the invisible control character U+{ord(char):04X}: "
                "it cannot be printed, mailed or put in a feed."
            )
        raise ValidationError(message, code="control_character")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


validate_line = TextValidator(multiline=False)
validate_text = TextValidator(multiline=True)


class PrintablePages:
    """Middleware: every HTML page we send drops the characters HTML forbids
    (the Nu Html Checker reports a control character as an error), so that
    text stored before the rule, or written around it, never reaches a
    browser; what we store is refused on input above. Feeds, calendars,
    mail and rendered issues drop them where they are written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            isinstance(response, HttpResponse)
            and response.get("Content-Type", "").startswith("text/html")
            and not response.has_header("Content-Encoding")
        ):
            charset = response.charset or "utf-8"
            text = response.content.decode(charset, errors="replace")
            if FORBIDDEN.search(text):
                response.content = printable(text).encode(charset)
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
        return response
