"""Telling people when a deadline slips, without cron.

`check_deadlines` is a task that runs every few minutes on the queue: it
announces each lapse once (a DeskNotice whose unique `lapse_key` names the
thing and its deadline), mails every notice not mailed yet (a failed mail is
tried again next time, up to MAX_MAIL_ATTEMPTS), sends the daily digests,
and then enqueues itself again with a run-after time. The chain starts when
a worker starts (`db_worker` is ours: `start_reminding()` before the first
task), so a fresh deployment with deadlines already in its database, or a
worker killed in the middle of a check, needs nobody to open a page; whatever
creates a deadline (an assignment, a schedule) also calls `keep_reminding()`.
It needs no daemon beyond `db_worker`. The immediate backend (a first
`make run`) cannot run anything later, so there the chain does not start.
"""

from __future__ import annotations

import datetime
import logging
from typing import TypedDict

from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task, task_backends
from django.template.loader import render_to_string
from django.utils import timezone

from newsroom.extension import Lapse, publishing_room
from newsroom.models.planning import Assignment, DeskNotice, DeskSettings
from newsroom.planning import agenda
from newsroom.site import notice_headers, site_url
from newsroom.text import shorten

logger = logging.getLogger(__name__)

REMIND_EVERY = datetime.timedelta(minutes=5)
MAX_MAIL_ATTEMPTS = 5


class CheckOutcome(TypedDict):
    announced: int
    mailed: int
    digests: int


def assignment_lapses(now: datetime.datetime) -> list[Lapse]:
    """A lapse for the assignee of each overdue slot, and one for whoever
    planned it for them (the planner learns of it too)."""
    lapses = []
    for assignment in Assignment.objects.overdue(now).select_related("story", "assignee"):
        due = timezone.localtime(assignment.due_at)
        key = f"assignment:{assignment.pk}:{assignment.due_at.isoformat()}"
        url = assignment.get_absolute_url()
        lapses.append(
            Lapse(
                user_id=assignment.assignee_id,  # type: ignore[attr-defined]
                key=key,
                message=f"“{assignment}” was due {due:%-d %B, %H:%M} and is not in review yet.",
                url=url,
            )
        )
        planner = assignment.created_by_id  # type: ignore[attr-defined]
        if planner and planner != assignment.assignee_id:  # type: ignore[attr-defined]
            lapses.append(
                Lapse(
                    user_id=planner,
                    key=key,
                    message=f"“{assignment}”, which you planned for {assignment.assignee},"
                    f" was due {due:%-d %B, %H:%M} and is not in review yet.",
                    url=url,
                )
            )
    return lapses


def announce_lapses(now: datetime.datetime) -> int:
    """A notice for each lapse not announced before; how many are new."""
    created = 0
    for lapse in [*assignment_lapses(now), *publishing_room().lapses(now)]:
        _, new = DeskNotice.objects.get_or_create(
            lapse_key=f"{lapse.key}@{lapse.user_id}"[:200],
            defaults={
                "user_id": lapse.user_id,
                "message": shorten(lapse.message, 300),
                "url": lapse.url,
                "created_at": now,
            },
        )
        created += new
    return created


def mail_notices() -> int:
    """Mail every notice not mailed yet; a failure is kept and tried next time."""
    pending = DeskNotice.objects.filter(
        mailed_at__isnull=True, mail_attempts__lt=MAX_MAIL_ATTEMPTS
    ).order_by("created_at", "pk")
    mailed = 0
    for notice_id in pending.values_list("pk", flat=True):
        mailed += mail_notice(notice_id)
    return mailed


def mail_notice(notice_id: int) -> int:
    with transaction.atomic():
        # Claimed under lock: two workers never mail the same notice.
        notice = (
            DeskNotice.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=notice_id, mailed_at__isnull=True)
            .first()
        )
        if notice is None or not notice.user.email:
            return 0
        notice.mail_attempts += 1
        try:
            EmailMessage(
                notice.subject(),
                render_to_string(
                    "newsroom/mail/deadline.txt",
                    {"notice": notice, "url": site_url(notice.url or "/desk/")},
                ),
                to=[notice.user.email],
                headers=notice_headers(),
            ).send()
        except Exception as exc:  # kept on the row, tried again at the next check
            logger.exception("Could not mail notice %s", notice.pk)
            notice.mail_error = f"{type(exc).__name__}: {exc}"
            notice.save(update_fields=["mail_attempts", "mail_error"])
            return 0
        notice.mailed_at = timezone.now()
        notice.mail_error = ""
        notice.save(update_fields=["mail_attempts", "mailed_at", "mail_error"])
    return 1


def send_digests(now: datetime.datetime) -> int:
    """Each day, what is due today, to each editor who asked for it, at the
    first check from the hour they chose (in the publisher's time zone)."""
    local = timezone.localtime(now)
    today = local.date()
    start = agenda.local_midnight(today)
    end = agenda.local_midnight(today + datetime.timedelta(days=1))
    wanting = DeskSettings.objects.filter(
        daily_digest=True, user__is_active=True, digest_hour__lte=local.hour
    ).exclude(digest_sent_on=today)
    sent = 0
    for settings_row in wanting.select_related("user"):
        user = settings_row.user
        due = [e for e in agenda.entries(start, end, person_id=user.pk, now=now) if not e.done]
        if due and user.email:
            EmailMessage(
                f"Due today, {today:%-d %B}",
                render_to_string(
                    "newsroom/mail/digest.txt",
                    {"user": user, "entries": due, "site": site_url("")},
                ),
                to=[user.email],
                headers=notice_headers(),
            ).send()
            sent += 1
        settings_row.digest_sent_on = today
        settings_row.save(update_fields=["digest_sent_on"])
    return sent


@task
def check_deadlines() -> CheckOutcome:
    now = timezone.now()
    try:
        publishing_room().catch_up(now)
        return {
            "announced": announce_lapses(now),
            "mailed": mail_notices(),
            "digests": send_digests(now),
        }
    finally:
        # Even when this check failed: the next one must still come.
        keep_reminding(now)


def keep_reminding(now: datetime.datetime | None = None, *, at_once: bool = False) -> bool:
    """Enqueue the next check unless one is waiting already; whether it did.
    The next check runs in REMIND_EVERY, or as soon as a worker is free."""
    backend = task_backends[check_deadlines.backend]
    if not backend.supports_defer:
        return False
    if _check_waiting(backend):
        return False
    run_after = (now or timezone.now()) + (datetime.timedelta(0) if at_once else REMIND_EVERY)
    check_deadlines.using(run_after=run_after).enqueue()
    return True


def start_reminding() -> bool:
    """Run by each worker as it starts: a check at once unless one is waiting
    (a waiting one is at most REMIND_EVERY away, or overdue and run first).
    The check catches up: overdue scheduled publications go out, and those
    still ahead get their task back if it was lost. Idempotent."""
    return keep_reminding(at_once=True)


def _check_waiting(backend: object) -> bool:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=check_deadlines.module_path, status="READY"
    ).exists()


@task
def mail_desk_notice(*, notice_id: int) -> int:
    """Mail one desk notice now (a slot planned for someone); the reminder
    check mails any it missed."""
    return mail_notice(notice_id)
