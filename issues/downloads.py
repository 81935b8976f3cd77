"""Handing a stored file to the reader once the permission check has passed.

The view decides *whether* someone may have a file; this module decides *how*
the bytes travel, chosen by NEWSROOM_DOWNLOADS:

- ``stream`` (default, `make run`): Python streams the file (FileResponse),
  read through the storage API, so from the local directory or the bucket;
- ``accel``: nginx sends it (``X-Accel-Redirect`` to an ``internal`` location
  under NEWSROOM_ACCEL_PREFIX that maps onto the artifacts directory);
- ``sendfile``: Apache/lighttpd send it (``X-Sendfile`` with the file's path);
- ``redirect``: the object store sends it: a redirect to a short-lived signed
  URL of the artifacts bucket (issues.s3.PrivateS3Storage), which makes the
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
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.http import content_disposition_header, http_date

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile
    from django.http import HttpResponseBase

    from issues.editions import Edition
    from issues.models import Issue

LINK_SALT = "issues.downloads.signed-pdf"


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
    if response is None:
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
