"""Scheduled publication: approve an issue now, publish it at a time.

Scheduling renders both documents at once, so a problem shows while the
reviewer is still there rather than at midnight; then, in one transaction,
the issue is locked, re-checked and marked scheduled (still `review`, so
subscribers see nothing of it) with an audit row. After commit a task is
enqueued to run at that time. The task trusts nothing it was given: it
re-reads the issue, does nothing unless the issue is still scheduled for that
very time and the time has come, and publishes through `publish_issue`, so
running it twice, late, or after a cancel is harmless. A worker that was down
at the time publishes as soon as it runs again; the desk shows how late.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.tasks import task, task_backends
from django.utils import timezone

from issues.models import Issue
from issues.publishing.publish import PublishError, publish_issue
from issues.rendering import documents
from newsroom import roles
from newsroom.planning.reminders import keep_reminding
from newsroom.review.workflow import PUBLISH, Status, WorkflowError

if TYPE_CHECKING:
    from newsroom.review.workflow import User

logger = logging.getLogger(__name__)

SCHEDULE = "schedule"
CANCEL_SCHEDULE = "cancel_schedule"


def local(when: datetime.datetime) -> str:
    return timezone.localtime(when).strftime("%-d %B %Y, %H:%M %Z")


def schedule_issue(*, issue: Issue, by: User, when: datetime.datetime) -> Issue:
    """Approve `issue` for publication at `when`, or raise WorkflowError
    (refused) or PublishError (it does not render)."""
    if when <= timezone.now():
        raise WorkflowError("Pick a time in the future, or publish now.")
    issue.check_transition(PUBLISH, by=by)
    try:
        documents.render_html(issue)
        documents.render_pdf(issue)
    except documents.RenderError as exc:
        raise PublishError(f"Not scheduled: the issue does not render. {exc}") from exc
    when = when.replace(microsecond=0)
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        locked.check_transition(PUBLISH, by=by)  # still in review, still not scheduled
        locked.scheduled_for, locked.scheduled_by, locked.schedule_error = when, by, ""  # type: ignore[assignment]
        locked.save(update_fields=["scheduled_for", "scheduled_by", "schedule_error"])
        _log(locked, SCHEDULE, by=by, comment=f"To be published {local(when)}.")
        transaction.on_commit(lambda: enqueue_publication(locked))
    issue.scheduled_for, issue.scheduled_by, issue.schedule_error = when, by, ""  # type: ignore[assignment]
    return issue


def cancel_schedule(*, issue: Issue, by: User) -> Issue:
    """Back to plain review (editable, publishable now); the queued task
    finds nothing to do when its time comes."""

    if not roles.is_reviewer(by):
        raise WorkflowError("Only a reviewer can cancel a schedule.")
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if not locked.is_scheduled:
            raise WorkflowError("This issue is not scheduled.")
        was = locked.scheduled_for
        locked.scheduled_for, locked.scheduled_by, locked.schedule_error = None, None, ""
        locked.save(update_fields=["scheduled_for", "scheduled_by", "schedule_error"])
        _log(locked, CANCEL_SCHEDULE, by=by, comment=f"Was to be published {local(was)}.")  # type: ignore[arg-type]
    issue.scheduled_for, issue.scheduled_by, issue.schedule_error = None, None, ""
    return issue


def _log(issue: Issue, name: str, *, by: User, comment: str) -> None:
    issue.transitions.create(  # type: ignore[misc]
        transition=name,
        from_status=Status.REVIEW,
        to_status=Status.REVIEW,
        by=by,
        comment=comment,
    )


def enqueue_publication(issue: Issue) -> None:
    assert issue.scheduled_for is not None
    when = issue.scheduled_for.isoformat()
    backend = task_backends[publish_scheduled_issue.backend]
    if backend.supports_defer:
        publish_scheduled_issue.using(run_after=issue.scheduled_for).enqueue(issue.pk, when)
    else:
        # The immediate backend runs it now; the task sees it is early and
        # waits for a worker (see the README).
        publish_scheduled_issue.enqueue(issue.pk, when)
    keep_reminding()


class ScheduledOutcome(TypedDict):
    published: bool
    message: str


@task
def publish_scheduled_issue(issue_id: int, scheduled_for: str) -> ScheduledOutcome:
    """Publish issue `issue_id` if it is still scheduled for `scheduled_for`
    and that time has come; otherwise do nothing (idempotent)."""
    return publish_if_due(issue_id, datetime.datetime.fromisoformat(scheduled_for))


def publish_if_due(issue_id: int, scheduled_for: datetime.datetime) -> ScheduledOutcome:
    issue = Issue.objects.select_related("newsletter", "scheduled_by").filter(pk=issue_id).first()
    if issue is None or not issue.is_scheduled or issue.scheduled_for != scheduled_for:
        return {"published": False, "message": "No longer scheduled for that time."}
    if timezone.now() < scheduled_for:
        return {"published": False, "message": f"Not yet: scheduled for {local(scheduled_for)}."}
    try:
        publish_issue(
            issue=issue,
            by=issue.scheduled_by,  # type: ignore[arg-type]
            note=f"scheduled for {local(scheduled_for)}",
        )
    except (WorkflowError, PublishError) as exc:
        # Kept for the desk and the reminder: the reviewer who scheduled it is told.
        Issue.objects.filter(pk=issue.pk, status=Status.REVIEW).update(schedule_error=str(exc))
        logger.warning("Scheduled publication of issue %s failed: %s", issue.pk, exc)
        return {"published": False, "message": str(exc)}
    return {"published": True, "message": f"Published {issue}."}


def requeue_lost_publications(now: datetime.datetime) -> int:
    """Give each schedule still ahead its task back if the queue has none
    waiting for it (a restored database, a cleared queue, a schedule made
    while the site ran the immediate backend). How many were enqueued; the
    task is idempotent, so a duplicate would be harmless anyway."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends[publish_scheduled_issue.backend], DatabaseBackend):
        return 0
    queued = DBTaskResult.objects.filter(
        task_path=publish_scheduled_issue.module_path, status="READY"
    ).values_list("args_kwargs", flat=True)
    waiting = {(a["args"][0], datetime.datetime.fromisoformat(a["args"][1])) for a in queued}
    ahead = Issue.objects.filter(status=Status.REVIEW, scheduled_for__gt=now)
    lost = [issue for issue in ahead if (issue.pk, issue.scheduled_for) not in waiting]
    for issue in lost:
        enqueue_publication(issue)
    return len(lost)


def publish_overdue_schedules(now: datetime.datetime | None = None) -> int:
    """Publish every scheduled issue whose time has passed: the safety net
    for a lost task, run by each deadline check. How many went out."""
    due = Issue.objects.filter(
        status=Status.REVIEW, scheduled_for__lte=now or timezone.now(), schedule_error=""
    )
    pending: list[tuple[int, datetime.datetime]] = list(due.values_list("pk", "scheduled_for"))  # type: ignore[arg-type]
    return sum(publish_if_due(pk, when)["published"] for pk, when in pending)
