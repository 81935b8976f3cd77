"""One short mail about a published correction, to each reader who received the issue.

Sent after the correction's transaction commits (the `transitioned` signal),
through a task. Who "received the issue" is who has a sent Delivery row for
it; each of them gets one CorrectionNotice row, so a retry or a second
worker never mails the same reader twice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from issues.models.editions import Correction, CorrectionNotice
from issues.publishing.delivery import list_headers
from issues.readers.mail_optout import unsubscribe_path
from newsroom.review.workflow import PUBLISH, Status, Transition
from newsroom.site import site_url

logger = logging.getLogger(__name__)


def correction_published(
    sender: type, instance: Any, transition: Transition, **kwargs: Any
) -> None:
    """Receiver of `newsroom.review.workflow.transitioned` (connected in IssuesConfig.ready)."""
    if sender is Correction and transition == PUBLISH:
        mail_correction.enqueue(instance.pk)


@task
def mail_correction(correction_id: int) -> int:
    """Mail the published correction to every reader the issue was sent to
    and who has not heard of it yet; return how many mails went out."""
    correction = (
        Correction.objects.filter(pk=correction_id, status=Status.PUBLISHED)
        .select_related("issue__newsletter", "edition")
        .first()
    )
    if correction is None:
        logger.warning("Correction %s is not published; nothing to mail.", correction_id)
        return 0
    issue = correction.issue
    receivers = (
        issue.deliveries.filter(sent_at__isnull=False, user__is_active=True)  # type: ignore[attr-defined]
        .exclude(user__email="")
        .exclude(user__mail_opt_outs__newsletter=issue.newsletter_id)
    )
    CorrectionNotice.objects.bulk_create(
        [
            CorrectionNotice(correction=correction, user_id=uid)
            for uid in receivers.values_list("user_id", flat=True)
        ],
        ignore_conflicts=True,
    )
    sent = 0
    pending = correction.notices.filter(sent_at__isnull=True)  # type: ignore[attr-defined]
    for notice_id in pending.values_list("pk", flat=True):
        sent += _send_notice(correction, notice_id)
    return sent


def correction_message(
    correction: Correction, email: str, reader_id: int | None = None
) -> EmailMessage:
    """The correction's mail to `email`; for a reader (`reader_id`), with
    the newsletter's list headers and their own unsubscribe link."""
    issue = correction.issue
    assert correction.edition is not None
    args = [issue.newsletter.slug, issue.number]
    context = {
        "correction": correction,
        "issue": issue,
        "edition": correction.edition,
        "publisher": settings.NEWSROOM_PUBLISHER,
        "issue_url": site_url(issue.get_absolute_url()),
        "pdf_url": site_url(reverse("issues:issue_pdf", args=args)),
        "account_url": site_url(reverse("issues:account")),
        "unsubscribe_url": site_url(unsubscribe_path(reader_id, issue.newsletter.pk))
        if reader_id is not None
        else "",
    }
    headers = list_headers(issue.newsletter, reader_id) if reader_id is not None else {}
    subject = f"Correction: {issue.newsletter.title}, {issue.period}"
    body = render_to_string("issues/mail/correction_published.txt", context)
    return EmailMessage(subject, body, to=[email], headers=headers)


def _send_notice(correction: Correction, notice_id: int) -> int:
    with transaction.atomic():
        notice = (
            CorrectionNotice.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=notice_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return 0
        try:
            correction_message(correction, notice.user.email, notice.user_id).send()  # type: ignore[attr-defined]
        except Exception as exc:  # one refused address does not stop the rest
            logger.exception(
                "Could not mail correction %s to user %s", correction.pk, notice.user_id
            )  # type: ignore[attr-defined]
            notice.error = f"{type(exc).__name__}: {exc}"
            notice.save(update_fields=["error"])
            return 0
        notice.sent_at = timezone.now()
        notice.error = ""
        notice.save(update_fields=["sent_at", "error"])
    return 1
