"""Task workers that survive a database outage and notice each other's death.

django-tasks-db's worker (`manage.py db_worker`) exits on the first database
error, and a task it was running stays RUNNING for ever. Ours (the command in
issues/management/commands/db_worker.py runs `SurvivingWorker`):

- **waits out an outage**: any `OperationalError`/`InterfaceError` while it
  looks for work or records an outcome makes it log one warning, reconnect
  with a doubling backoff (up to BACKOFF_MAX) and carry on where it was;
- **retries a task the outage interrupted**: a task during which the
  connection broke (whatever the task made of the error) goes back to the
  queue once the database answers, instead of being recorded as its
  half-done outcome; after MAX_ATTEMPTS claims it is failed instead;
- **beats**: a thread writes the worker's `TaskWorker` row every few seconds,
  on a connection of its own, also while a long task runs;
- **takes over from the dead**: the same thread gives back to the queue (or
  fails, after MAX_ATTEMPTS) every RUNNING task whose worker has not beaten
  for NEWSROOM_WORKER_LOST_AFTER seconds (30): a worker killed by the OOM
  killer or a redeploy is noticed by its neighbours, or by itself once
  restarted, within a minute. A worker judges only after it has itself
  reached the database for that long, so that nobody is declared dead for
  the silence an outage imposed on everyone.

A task may thus run more than once (at least once, never lost): every task of
ours re-reads its state and is idempotent (publishing locks and re-checks the
issue, mail has one Delivery row per reader). An outcome is recorded only by
the worker that holds the current claim.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db import transaction as db_transaction
from django.tasks import TaskResultStatus
from django.tasks.base import TaskContext
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from issues.abandoned import WORKER_LOST
from issues.models.workers import TaskWorker

logger = logging.getLogger(__name__)

# What a lost or restarting database raises (psycopg and sqlite3 alike).
DATABASE_DOWN = (OperationalError, InterfaceError)
MAX_ATTEMPTS = 3  # claims of one task before a lost worker or an outage fails it
BACKOFF_MAX = 10.0  # seconds between two attempts to reach the database, at most
FORGET_AFTER = datetime.timedelta(days=1)  # TaskWorker rows of workers long gone


def lost_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NEWSROOM_WORKER_LOST_AFTER)


def give_back(result: DBTaskResult, *, why: str) -> str:
    """Put a RUNNING task back in the queue, or fail it once it has been
    claimed MAX_ATTEMPTS times; "requeued", "failed", or "" if its claim
    changed meanwhile (another worker took it back first, or it finished)."""
    claimed = DBTaskResult.objects.filter(
        pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
    )
    attempts = len(result.worker_ids)
    if attempts < MAX_ATTEMPTS:
        if not claimed.update(status=TaskResultStatus.READY):
            return ""
        logger.warning(
            "Task %s (%s) %s: back in the queue (attempt %d of %d).",
            result.pk,
            result.task_path,
            why,
            attempts,
            MAX_ATTEMPTS,
        )
        return "requeued"
    failed = claimed.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=WORKER_LOST,
        traceback=f"The task {why}, {attempts} times: it is not tried again.",
    )
    if not failed:
        return ""
    logger.error("Task %s (%s) %s, %d times: failed.", result.pk, result.task_path, why, attempts)
    return "failed"


def reclaim_lost_tasks(now: datetime.datetime | None = None) -> int:
    """Give back (or fail) every RUNNING task whose worker has given no sign of
    life (beat, or the claim itself) for `lost_after()`; how many."""
    now = now or timezone.now()
    cutoff = now - lost_after()
    alive = set(TaskWorker.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    suspects = DBTaskResult.objects.running().filter(started_at__lt=cutoff).order_by("started_at")
    taken = 0
    for result in suspects[:100]:
        worker = result.worker_ids[-1] if result.worker_ids else None
        if worker not in alive:
            taken += bool(give_back(result, why=f"lost its worker {worker}"))
    TaskWorker.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return taken


class Watch(threading.Thread):
    """The worker's heartbeat, and the judge of other workers' silence."""

    def __init__(self, worker_id: str, queues: str) -> None:
        super().__init__(name=f"watch-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.queues = queues[:200]
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        every = max(0.2, lost_after().total_seconds() / 6)
        reachable_since: float | None = None
        while not self.stopping.is_set():
            try:
                self.beat()
                reachable_since = reachable_since or time.monotonic()
                # Only a judge who has reached the database for a whole
                # `lost_after` knows the silence of the others is theirs.
                if time.monotonic() - reachable_since >= lost_after().total_seconds():
                    reclaim_lost_tasks()
            except DATABASE_DOWN:
                reachable_since = None  # the main loop says so in the log, once
                with contextlib.suppress(DatabaseError):
                    connection.close()
            except Exception:
                logger.exception("The watch of worker %s failed; it goes on", self.worker_id)
            self.stopping.wait(every)
        with contextlib.suppress(DatabaseError):
            connection.close()

    def beat(self) -> None:
        now = timezone.now()
        TaskWorker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": now},
            create_defaults={
                "seen_at": now,
                "started_at": self.started_at,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": self.queues,
            },
        )


class SurvivingWorker(Worker):
    """django-tasks-db's worker, which waits out database outages, retries
    the task an outage interrupted and beats for its neighbours."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.watch = Watch(self.worker_id, ",".join(self.queue_names))

    def run(self) -> None:
        if not self.batch:
            self.watch.start()
        try:
            while True:
                try:
                    return super().run()
                except DATABASE_DOWN as error:
                    if not self.running:  # stopping anyway (SIGTERM during a task)
                        return
                    self.wait_for_database(error)
        finally:
            self.watch.stopping.set()

    def wait_for_database(self, error: BaseException) -> None:
        """Drop the broken connection and reconnect, with a doubling pause;
        one warning when the database is down, one line when it is back."""
        delay, since, warned = 0.5, time.monotonic(), False
        while True:
            with contextlib.suppress(DatabaseError):
                connection.close()
            try:
                connection.ensure_connection()
            except DATABASE_DOWN:
                if not warned:
                    reason = str(error).strip().splitlines()[0] if str(error).strip() else error
                    logger.warning(
                        "Worker %s: the database is unreachable (%s); waiting for it.",
                        self.worker_id,
                        reason,
                    )
                    warned = True
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            if warned:
                logger.warning(
                    "Worker %s: the database is back after %.0f s.",
                    self.worker_id,
                    time.monotonic() - since,
                )
            return

    def persist[T](self, action: Callable[[], T]) -> T:
        """`action()`, again after each outage until it gets through."""
        while True:
            try:
                return action()
            except DATABASE_DOWN as error:
                self.wait_for_database(error)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task, then record its outcome, or put it back in the queue
        when the database connection broke under it."""
        try:
            self.running_task = True
            value, error = self.call(db_task_result)
            if connection.errors_occurred and not self.connection_usable():
                logger.warning(
                    "Task %s (%s) was interrupted by a database error (%s).",
                    db_task_result.pk,
                    db_task_result.task_path,
                    error or "the task went on without the database",
                )
                self.wait_for_database(error or OperationalError("connection lost"))
                self.persist(lambda: give_back(db_task_result, why="was interrupted"))
            else:
                self.persist(lambda: self.record(db_task_result, value, error))
        finally:
            self.running_task = False
            self._run_tasks += 1

    def call(self, db_task_result: DBTaskResult) -> tuple[Any, BaseException | None]:
        try:
            task = db_task_result.task
            result = db_task_result.task_result
            task_started.send(sender=type(task.get_backend()), task_result=result)
            if task.takes_context:
                context: TaskContext[Any, Any] = TaskContext(task_result=result)
                return task.call(context, *result.args, **result.kwargs), None
            return task.call(*result.args, **result.kwargs), None
        except BaseException as error:  # the task's failure, recorded as django-tasks-db does
            return None, error

    @staticmethod
    def connection_usable() -> bool:
        return connection.connection is not None and connection.is_usable()

    def record(self, db_task_result: DBTaskResult, value: Any, error: BaseException | None) -> None:
        """Store the outcome, unless the claim is no longer ours (a neighbour
        took the task back while this worker was silent)."""
        with db_transaction.atomic():
            ours = DBTaskResult.objects.select_for_update().filter(
                pk=db_task_result.pk,
                status=TaskResultStatus.RUNNING,
                started_at=db_task_result.started_at,
            )
            if not ours.exists():
                logger.warning(
                    "Task %s was taken back from worker %s while it ran; its outcome here "
                    "is not recorded.",
                    db_task_result.pk,
                    self.worker_id,
                )
                return
            if error is None:
                try:
                    with db_transaction.atomic():
                        db_task_result.set_successful(value)
                except DATABASE_DOWN:
                    raise
                except Exception as exc:  # a return value the JSON field refuses
                    error = exc
            if error is not None:
                db_task_result.set_failed(error)
                logger.error(
                    "Task %s (%s) failed",
                    db_task_result.pk,
                    db_task_result.task_path,
                    exc_info=error,
                )
        with contextlib.suppress(ImportError, SuspiciousOperation):
            task_finished.send(
                sender=type(db_task_result.task.get_backend()),
                task_result=db_task_result.task_result,
            )
