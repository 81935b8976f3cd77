"""Tasks whose worker died: found by their age and marked failed.

django-tasks-db marks a task RUNNING when a worker claims it, and SUCCESSFUL
or FAILED when the worker is done. A worker killed in between (the OOM
killer, a redeploy, a lost machine) leaves the row RUNNING for ever, and the
issue desk would say "Publishing…" for ever. The workers themselves take
such a task back within a minute (issues/workers.py: heartbeats). This is
the last resort beside them: no task of ours runs longer than
NEWSROOM_TASK_TIMEOUT (renders are stopped long before), so one running
longer has lost its worker. The desk checks the task it waits for whenever
the page is opened; `manage.py fail_abandoned_tasks` checks them all (by
hand; no cron is needed).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.tasks import TaskResult, TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

WORKER_LOST = "issues.abandoned.WorkerLost"


def fail_abandoned_tasks(*, ids: list[str] | None = None) -> int:
    """Mark RUNNING tasks older than the timeout as failed (only those of
    `ids`, if given); return how many."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.NEWSROOM_TASK_TIMEOUT)
    stale = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    if ids is not None:
        stale = stale.filter(id__in=ids)
    # One conditional UPDATE: a worker that finishes at this very moment
    # either wins (the row is no longer RUNNING) or loses, never half.
    return stale.update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback=f"The worker stopped before the task finished (running over "
        f"{settings.NEWSROOM_TASK_TIMEOUT} s).",
    )


def lost_its_worker(result: TaskResult) -> bool:
    return any(error.exception_class_path == WORKER_LOST for error in result.errors)
