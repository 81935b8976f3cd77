"""Publishing an issue: render, then store and mark published in one go.

Rendering is slow and can fail, so it happens first, outside any
transaction. Then `perform()` locks the issue, re-checks that it is still in
review, and `prepare` stores the two artifacts and their checksums as the
issue's edition 1 before the status is saved. Subscribers hear about it from the
`transitioned` signal, which is sent only after commit.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError
from pypdf import PdfReader

from issues.models import Issue
from issues.models.editions import Edition
from issues.rendering import documents
from newsroom.review.workflow import PUBLISH, WorkflowError, WorkflowModel, perform

if TYPE_CHECKING:
    from newsroom.review.workflow import User

logger = logging.getLogger(__name__)


class PublishError(Exception):
    """Rendering or storing failed; the issue is still in review.
    The message is written for the reviewer."""


def count_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def artifact_stem(issue: Issue) -> str:
    # A fresh name per attempt: two reviewers publishing at once never write
    # to the same file, and the loser deletes only what it wrote.
    return f"{issue.newsletter.slug}/{issue.number:04d}-{secrets.token_hex(6)}"


def publish_issue(
    *,
    issue: Issue,
    by: User,
    note: str = "",
    published_at: datetime.datetime | None = None,
    notify: bool = True,
) -> Issue:
    """Publish `issue` as `by`, or raise WorkflowError (refused) or
    PublishError (rendering or storage failed).

    An imported back issue passes the date it first came out and
    notify=False, so that subscribers are not mailed years of old news.
    """
    issue.check_transition(PUBLISH, by=by)
    published_at = (published_at or documents.now_for_publication()).replace(microsecond=0)
    try:
        html = documents.render_html(issue, published_at=published_at).encode()
        pdf = documents.render_pdf(issue, published_at=published_at)
    except documents.RenderError as exc:
        raise PublishError(f"Nothing was published. {exc}") from exc

    written: list[str] = []

    def store_artifacts(locked: Issue) -> list[str]:
        # The documents carry the time they were rendered with; keep the
        # issue's date equal to it, so a re-render gives the same bytes.
        locked.published_at = published_at
        store_edition(issue=locked, number=1, html=html, pdf=pdf, by=by, written=written)
        # Written with the status: the mail is owed even if the instant
        # after the commit, which queues it, never comes.
        locked.mail_owed = notify
        return ["mail_owed"]

    return publish_storing(
        issue,
        written=written,
        failed="Nothing was published: the issue could not be stored.",
        by=by,
        note=note,
        prepare=store_artifacts,
        notify=notify,
    )


def publish_storing[M: WorkflowModel](
    obj: M, *, written: list[str], failed: str, **options: Any
) -> M:
    """`perform(obj, PUBLISH, **options)`, whose `prepare` stores files and
    lists their names in `written`. Refused or failed, the files go again;
    a failure is logged and raised as PublishError, saying `failed` first.

    Except when the database went away: then nobody knows whether it
    committed (the connection may have broken after PostgreSQL's commit and
    before we heard of it), so the files stay. If it did commit, the edition
    points at them (and the deadline check mails the subscribers: the
    outbox, `Issue.mail_owed`); if not, they are files that nothing names,
    logged here, and the worker runs the publication again."""
    try:
        return perform(obj, PUBLISH, **options)
    except WorkflowError:
        discard_artifacts(written)
        raise
    except (OperationalError, InterfaceError) as exc:
        logger.exception(
            "The database went away while %s %s was published; kept %s in case it committed",
            obj._meta.verbose_name,
            obj.pk,
            ", ".join(written) or "no files",
        )
        raise PublishError(f"{failed} {documents.DETAILS_LOGGED}") from exc
    except Exception as exc:
        discard_artifacts(written)
        logger.exception("Could not store %s %s", obj._meta.verbose_name, obj.pk)
        raise PublishError(f"{failed} {documents.DETAILS_LOGGED}") from exc


def store_edition(
    *,
    issue: Issue,
    number: int,
    html: bytes,
    pdf: bytes,
    by: User,
    written: list[str],
    correction_note: str = "",
    published_at: datetime.datetime | None = None,
) -> Edition:
    """Write the two documents and their edition row (inside the caller's
    transaction); the names of the files written go to `written`, so that
    the caller can remove them if the transaction fails."""
    published_at = published_at or issue.published_at
    assert published_at is not None and by.is_authenticated
    edition = Edition(
        issue=issue,
        number=number,
        html_sha256=hashlib.sha256(html).hexdigest(),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_size=len(pdf),
        page_count=count_pages(pdf),
        renderer_version=documents.renderer_version(),
        published_at=published_at,
        published_by=by,
        correction_note=correction_note,
    )
    stem = artifact_stem(issue)
    suffix = "" if number == 1 else f"-e{number}"
    edition.html_file.save(f"{stem}{suffix}.html", ContentFile(html), save=False)
    written.append(str(edition.html_file.name))
    edition.pdf_file.save(f"{stem}{suffix}.pdf", ContentFile(pdf), save=False)
    written.append(str(edition.pdf_file.name))
    edition.save()
    return edition


def discard_artifacts(names: list[str]) -> None:
    """Delete stored artifact files whose rows were not (or no longer) saved."""
    storage = Edition._meta.get_field("pdf_file").storage  # type: ignore[attr-defined]
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a leftover file is untidy, not a reason to hide the real error
            logger.exception("Could not delete %s after a failed publication", name)
