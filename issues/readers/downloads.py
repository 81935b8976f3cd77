"""Handing a stored file to the reader once the permission check has passed.

The view decides *whether* someone may have a file; this module decides *how*
the bytes travel, chosen by NEWSROOM_DOWNLOADS:

- ``stream`` (default, `make run`): Python streams the file (FileResponse),
  read through the storage API, so from the local directory or the bucket;
- ``accel``: nginx sends it (``X-Accel-Redirect`` to an ``internal`` location
  under NEWSROOM_ACCEL_PREFIX that maps onto the artifacts directory);
- ``sendfile``: Apache/lighttpd send it (``X-Sendfile`` with the file's path);
- ``redirect``: the object store sends it: a redirect to a short-lived signed
  URL of the artifacts bucket (issues.publishing.s3.PrivateS3Storage), which makes the
  store answer with the same Content-Disposition and Content-Type.

``accel`` and ``sendfile`` need the local directory and ``redirect`` the
bucket; the settings refuse a mode that does not fit the storage.

Signed download links (`signed_pdf_url`, where NEWSROOM_SIGNED_LINKS is on)
let the archive and issue pages authorise a download when the page is
rendered, for one click: the link names one edition and the reader it was
made for, encrypted (nothing in it is readable), and lives
NEWSROOM_SIGNED_LINK_SECONDS (a minute by default). Within that time it needs
no session; with NEWSROOM_SIGNED_LINK_CHECKS_GRANT it also asks the reader
policy whether the reader still may read the issue (docs/downloads.md).
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.db.models.fields.files import FieldFile
    from django.http import HttpResponseBase

    from issues.models import Issue
    from issues.models.editions import Edition

LINK_SALT = "issues.readers.downloads.signed-pdf"
RANGE_CHUNK = 64 * 1024
_BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def requested_range(request: HttpRequest, size: int) -> tuple[int, int] | bool | None:
    """The one byte range the reader asks for, as (first, last) inclusive;
    None for the whole file (no Range, several ranges, a syntax we ignore as
    RFC 9110 allows, or an If-Range that no longer matches); False when it
    cannot be satisfied (416)."""
    header = request.headers.get("Range", "").replace(" ", "")
    found = _BYTE_RANGE.match(header)
    if not found or found.groups() == ("", ""):
        return None
    first, last = found.groups()
    if not first:  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
        if int(last) == 0:
            return False
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None  # invalid: ignored
    if start >= size:
        return False
    return start, end


def if_range_holds(request: HttpRequest, etag: str, published: int) -> bool:
    """A Range with If-Range applies only to the copy the reader has."""
    condition = request.headers.get("If-Range")
    if condition is None:
        return True
    if condition.startswith('"') or condition.startswith("W/"):
        return condition == etag  # strong comparison
    return parse_http_date_safe(condition) == published


def ranged_file_response(
    request: HttpRequest,
    stored: FieldFile,
    *,
    filename: str,
    content_type: str,
    size: int,
    etag: str,
    published: int,
) -> HttpResponseBase:
    """`stored` streamed whole (200), a byte range of it (206 with
    Content-Range), or 416 when the range lies beyond its end. PDF viewers
    fetch a large file page by page this way, and an interrupted download
    resumes."""
    wanted = requested_range(request, size) if if_range_holds(request, etag, published) else None
    if wanted is False:
        refused = HttpResponse(
            "The requested range is not within the file.",
            status=416,
            content_type="text/plain; charset=utf-8",
        )
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    if wanted is None or wanted == (0, size - 1):
        response: HttpResponseBase = FileResponse(
            stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
        )
        # Known at publication: no need to ask the storage (a HEAD on S3).
        response["Content-Length"] = str(size)
    else:
        start, end = wanted  # type: ignore[misc]
        response = StreamingHttpResponse(
            _read_range(stored, start, end), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=filename
        )
    response["Accept-Ranges"] = "bytes"
    return response


def _read_range(stored: FieldFile, start: int, end: int) -> Iterator[bytes]:
    with stored.open("rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(RANGE_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def file_response(
    stored: FieldFile, *, filename: str, content_type: str, size: int | None
) -> HttpResponse | FileResponse:
    """The response that hands `stored` over as an attachment named `filename`."""
    mode = settings.NEWSROOM_DOWNLOADS
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    if mode == "redirect":
        # The signed URL answers with these headers itself (S3's response-* parameters).
        url = stored.storage.url(  # type: ignore[call-arg]
            stored.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.NEWSROOM_SIGNED_LINK_SECONDS,
        )
        return HttpResponseRedirect(url)
    if mode in ("accel", "sendfile"):
        response = HttpResponse(content_type=content_type)
        if mode == "accel":
            prefix = settings.NEWSROOM_ACCEL_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{stored.name}"
        else:
            response["X-Sendfile"] = stored.path
        response["Content-Disposition"] = disposition
        return response
    streamed = FileResponse(
        stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    if size:
        # Known at publication: no need to ask the storage (a HEAD on S3).
        streamed["Content-Length"] = str(size)
    return streamed


def pdf_response(
    request: HttpRequest,
    stored: FieldFile,
    *,
    sha256: str,
    published: int,
    filename: str,
    size: int | None,
) -> tuple[HttpResponseBase, bool]:
    """The stored PDF as an attachment, or 304 (412) when the reader's copy is
    current, and whether it is the file (a download to count). Call only
    after the permission check, so that a 304 cannot tell a stranger that an
    issue exists."""
    etag = f'"{sha256}"'
    response: HttpResponseBase | None = get_conditional_response(
        request, etag=etag, last_modified=published
    )
    sent = response is None
    if response is None and settings.NEWSROOM_DOWNLOADS == "stream" and size:
        # Python sends the bytes, so Python answers Range requests; nginx,
        # Apache and S3 answer them themselves in the other modes.
        response = ranged_file_response(
            request,
            stored,
            filename=filename,
            content_type="application/pdf",
            size=size,
            etag=etag,
            published=published,
        )
        # A download is the whole file, or the first bytes of it (a viewer
        # that then fetches the rest in ranges): counted once.
        sent = response.status_code == 200 or response.get("Content-Range", "").startswith(
            "bytes 0-"
        )
        if response.status_code == 416:
            return response, False
    elif response is None:
        response = file_response(
            stored, filename=filename, content_type="application/pdf", size=size
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(published)
    # Private: a shared cache must not hand one subscriber's download to
    # another. no-cache: the browser keeps its copy but asks each time, so a
    # lapsed subscription is noticed; the ETag makes asking cheap (304).
    patch_cache_control(response, private=True, no_cache=True)
    return response, sent


def pdf_filename(edition: Edition, issue: Issue) -> str:
    """The name a downloaded PDF is saved under (`issue` is `edition.issue`,
    passed in so that a page that has it asks nothing more)."""
    return attachment_name(issue.newsletter.slug, issue.period_start, edition.number)


def attachment_name(newsletter: str, period_start: date, edition: int) -> str:
    """`pdf_filename` from the values alone."""
    suffix = f"-edition-{edition}" if edition > 1 else ""
    return f"{newsletter}-{period_start:%Y-%m-%d}{suffix}.pdf"


def signed_pdf_url(issue: Issue, reader_id: int) -> str:
    """A download link for `issue`'s latest edition that works without a
    session for NEWSROOM_SIGNED_LINK_SECONDS. Hand it only to `reader_id`,
    who may read the issue now and whose download it counts."""
    edition = issue.latest_edition
    if edition is None:
        raise ValueError(f"{issue} has no edition to download.")
    payload = json.dumps([edition.pk, reader_id]).encode()
    return reverse("issues:signed_pdf", args=[_link_keys().encrypt(payload).decode()])


def pdf_href(issue: Issue, reader_id: int) -> str:
    """Where a page links `reader_id`, who may read `issue` now: a signed link
    where NEWSROOM_SIGNED_LINKS is on, else the download view."""
    if settings.NEWSROOM_SIGNED_LINKS:
        return signed_pdf_url(issue, reader_id)
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


@dataclass(frozen=True)
class SignedLink:
    """What a signed link names, and whether it is still fresh."""

    edition_id: int
    reader_id: int
    fresh: bool


def read_link(token: str) -> SignedLink | None:
    """What a link names and whether it is still fresh; None if it is forged,
    altered or not ours. An expired link is authentic, only too old."""
    keys = _link_keys()
    try:
        payload = keys.decrypt(token.encode())
        made = keys.extract_timestamp(token.encode())
        edition_id, reader_id = json.loads(payload)
    except (InvalidToken, ValueError, TypeError):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (edition_id, reader_id)):
        return None
    # A minute's grace for the clocks of several web nodes.
    age = time.time() - made
    fresh = -60 <= age <= settings.NEWSROOM_SIGNED_LINK_SECONDS
    return SignedLink(edition_id, reader_id, fresh)


def _link_keys() -> MultiFernet:
    """Encryption and authentication keys for signed links, derived from the
    secret key (and its fallbacks, so that rotating it keeps fresh links
    working): a link names nothing a reader can read (Fernet: AES-CBC and
    HMAC-SHA256, with the time it was made)."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(LINK_SALT, "fernet", secret=secret, algorithm="sha256").digest()
                )
            )
            for secret in secrets
        ]
    )
