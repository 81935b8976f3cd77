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

Signed download links (`signed_pdf_url`) let the archive and issue pages
authorise a download when the page is rendered: the link names one issue and
expires after NEWSROOM_SIGNED_LINK_SECONDS, so a repeated download needs no
session, no user and no subscription query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

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


def signed_pdf_url(issue: Issue) -> str:
    """A download link for `issue` that works without a session until it expires.
    Hand it only to someone who may read the issue now."""
    token = signing.TimestampSigner(salt=LINK_SALT).sign_object(issue.pk)
    return reverse("issues:signed_pdf", args=[token])


def pdf_href(issue: Issue) -> str:
    """Where a page links a reader who may read `issue` now: a signed link
    where NEWSROOM_SIGNED_LINKS is on, else the download view."""
    if settings.NEWSROOM_SIGNED_LINKS:
        return signed_pdf_url(issue)
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


def read_link(token: str) -> tuple[int, bool] | None:
    """The issue a link names and whether the link is still fresh; None if it
    is forged or altered. An expired link is authentic, only too old."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        value = signer.unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(value, int):
        return None
    try:
        signer.unsign_object(token, max_age=settings.NEWSROOM_SIGNED_LINK_SECONDS)
    except signing.SignatureExpired:
        return value, False
    return value, True
