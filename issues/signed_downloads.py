"""Signed download links answered before Django's middleware and URLs.

A WSGI layer in front of the site (`in_front_of`, named in settings), in the spirit of
whitenoise: a GET of a fresh signed link (issues/downloads.py) is verified
and answered here, with no session, no user and no database. The signature
is the permission check, made when the page that holds the link was
rendered; the link carries everything serving the edition needs, and a
stored edition never changes. The answer is the download view's: 304 on a
matching ETag, else the file streamed, or handed to nginx, to X-Sendfile or
to a signed URL of the bucket, as NEWSROOM_DOWNLOADS says; counted like any
download (in the worker's memory, issues/reach.py).

Everything else goes on to Django unchanged, and so does every link this
layer cannot answer (forged, altered, expired, naming only an issue, a HEAD,
a host not in ALLOWED_HOSTS, a stored file that cannot be opened): the view
gives the same 404, redirect or error page as without this layer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db.models.fields.files import FieldFile
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import reverse

from issues import downloads, reach
from issues.editions import Edition
from issues.reach import Channel, Document

if TYPE_CHECKING:
    from django.http import FileResponse, HttpRequest, HttpResponseBase

    type StartResponse = Callable[..., Any]
    type WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

logger = logging.getLogger(__name__)


def in_front_of(application: WSGIApplication) -> SignedDownloads:
    """The site as a WSGI server serves it (settings.NEWSROOM_WSGI_LAYERS):
    fresh signed links answered here, and every download counted in the
    worker's memory and written in bulk (issues/reach.py) rather than one
    write per download."""
    reach.tally.buffer()
    return SignedDownloads(application)


class SignedDownloads:
    """WSGI: answer fresh signed download links, hand everything else to
    `application` (Django's)."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.prefix = reverse("issues:signed_pdf", args=["-"]).removesuffix("-.pdf")
        # The headers every answer of the site carries (SSL redirect, HSTS,
        # nosniff, referrer policy, framing, CSP), from Django's own
        # middleware, in settings.MIDDLEWARE's order.
        self.handler = SecurityMiddleware(
            XFrameOptionsMiddleware(ContentSecurityPolicyMiddleware(self.serve))
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") == "GET"
            and path.startswith(self.prefix)
            and path.endswith(".pdf")
        ):
            response = self.answer(environ, path[len(self.prefix) : -len(".pdf")])
            if response is not None:
                return self.send(response, environ, start_response)
        return self.application(environ, start_response)

    def answer(self, environ: dict[str, Any], token: str) -> HttpResponseBase | None:
        """The answer to a fresh link to an edition, or None for Django to give."""
        if "/" in token:
            return None
        link = downloads.read_link(token)
        if link is None or not link[1] or not isinstance(link[0], downloads.SignedPdf):
            return None
        request = WSGIRequest(environ)
        request.signed_pdf = link[0]  # type: ignore[attr-defined]
        try:
            request.get_host()
            return cast("HttpResponseBase", self.handler(request))
        except DisallowedHost:
            return None  # Django answers 400 and logs it
        except Exception:
            # Django tries again and answers with its error page and log.
            logger.warning("A signed download went on to Django", exc_info=True)
            return None

    def serve(self, request: HttpRequest) -> HttpResponseBase:
        named: downloads.SignedPdf = request.signed_pdf  # type: ignore[attr-defined]
        # The stored file without its (unread) edition: the field gives the storage.
        stored = FieldFile(None, Edition._meta.get_field("pdf_file"), named.name)  # type: ignore[arg-type]
        response, sent = downloads.pdf_response(
            request,
            stored,
            sha256=named.sha256,
            published=named.published,
            filename=named.filename,
            size=named.size,
        )
        if sent:
            reach.count(
                named.edition_id,
                user_id=named.reader_id,
                document=Document.PDF,
                channel=Channel.LINK,
            )
        return response

    def send(
        self, response: HttpResponseBase, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """As django.core.handlers.wsgi.WSGIHandler sends a response."""
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        to_stream = getattr(response, "file_to_stream", None)
        if to_stream is not None and environ.get("wsgi.file_wrapper"):
            # The server closes the wrapper, not the response: closing the
            # file closes the response.
            to_stream.close = response.close
            block_size = cast("FileResponse", response).block_size
            return cast("Iterable[bytes]", environ["wsgi.file_wrapper"](to_stream, block_size))
        return cast("Iterable[bytes]", response)
