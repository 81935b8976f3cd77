"""Mail a newly published issue to the subscribers of its newsletter.

Publishing sends `transitioned` after its transaction commits; the receiver
only enqueues `deliver_issue`, so the reviewer's request does not wait for
the mail server. Each (issue, subscriber) pair has one Delivery row: the task
sends only where `sent_at` is empty, so running it again (a retry, a second
worker) mails nobody twice, and one refused address does not stop the rest.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from issues.models import Delivery, Issue
from newsroom.workflow import PUBLISH, Transition

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User
    from django.db.models import QuerySet

    from newsroom.models import Newsletter

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    return settings.NEWSROOM_SITE_URL.rstrip("/") + path


def issue_published(sender: type, instance: Any, transition: Transition, **kwargs: Any) -> None:
    """Receiver of `newsroom.workflow.transitioned` (connected in IssuesConfig.ready)."""
    if sender is Issue and transition == PUBLISH:
        deliver_issue.enqueue(instance.pk)


def issue_message(issue: Issue, user: AbstractBaseUser) -> EmailMultiAlternatives:
    context = {
        "issue": issue,
        "user": user,
        "stories": issue.ordered_stories(),
        "publisher": settings.NEWSROOM_PUBLISHER,
        "issue_url": site_url(issue.get_absolute_url()),
        "pdf_url": site_url(
            reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])
        ),
        "account_url": site_url(reverse("issues:account")),
    }
    subject = f"{issue.newsletter.title}: {issue.period}"
    message = EmailMultiAlternatives(
        subject,
        render_to_string("issues/mail/issue_published.txt", context),
        to=[user.email],  # type: ignore[attr-defined]
    )
    message.attach_alternative(
        render_to_string("issues/mail/issue_published.html", context), "text/html"
    )
    return message


def readers_of(newsletter: Newsletter) -> QuerySet[User]:
    """Who gets a mail when an issue of `newsletter` is published."""
    return (
        get_user_model()
        .objects.filter(subscriptions__newsletter=newsletter, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


@task
def deliver_issue(issue_id: int) -> int:
    """Mail issue `issue_id` to every subscriber not yet mailed; return how many."""
    issue = Issue.objects.published().select_related("newsletter").filter(pk=issue_id).first()
    if issue is None:
        logger.warning("Issue %s is not published; nothing to deliver.", issue_id)
        return 0
    readers = readers_of(issue.newsletter)
    # One row per reader, made once: a retry finds the rows it made before.
    Delivery.objects.bulk_create(
        [Delivery(issue=issue, user=reader) for reader in readers], ignore_conflicts=True
    )
    sent = 0
    pending = issue.deliveries.filter(sent_at__isnull=True, user__in=readers)
    for delivery_id in pending.values_list("pk", flat=True):
        sent += send_delivery(issue, delivery_id)
    return sent


def send_delivery(issue: Issue, delivery_id: int) -> int:
    """Send one pending delivery; 1 if a mail went out."""
    with transaction.atomic():
        # The row lock claims the delivery: a second worker running the same
        # task skips it instead of mailing the same person again.
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=delivery_id, sent_at__isnull=True)
            .first()
        )
        if delivery is None:
            return 0
        try:
            issue_message(issue, delivery.user).send()
        except Exception as exc:  # any failure is this reader's alone
            logger.exception("Could not mail issue %s to user %s", issue.pk, delivery.user.pk)
            delivery.error = f"{type(exc).__name__}: {exc}"
            delivery.save(update_fields=["error"])
            return 0
        delivery.sent_at = timezone.now()
        delivery.error = ""
        delivery.save(update_fields=["sent_at", "error"])
    return 1
