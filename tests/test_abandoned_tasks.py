"""A publication whose background worker died is noticed, taken back by the
other workers (or failed, after three tries), reported, and can be tried
again; it never says "Publishing…" for ever."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from issues.models import Issue
from issues.models.workers import TaskWorker
from issues.tasks import publish_issue_task
from issues.workers import SurvivingWorker, give_back, reclaim_lost_tasks
from newsroom.models import Newsletter
from newsroom.review.thread_mail import send_notices
from newsroom.review.workflow import Status
from tests.issue_helpers import make_issue_in_review


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# The worker closes its database connection when done, so no test transaction.
@pytest.mark.django_db(transaction=True)
def test_a_publication_whose_worker_died_is_marked_failed_and_can_be_retried(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    client = Client()
    client.force_login(bob)
    builder = f"/desk/issues/{issue.pk}/"
    client.post(f"/desk/issues/{issue.pk}/publish/")
    # A worker claims the task, as db_worker does, and is killed mid-render.
    publication = DBTaskResult.objects.filter(task_path__endswith="publish_issue_task")
    publication.get().claim("worker-that-died")
    assert client.get(builder).context["pending_publication"] is True

    started = timezone.now() - datetime.timedelta(seconds=settings.NEWSROOM_TASK_TIMEOUT + 1)
    publication.update(started_at=started)
    response = client.get(builder)

    assert response.context["pending_publication"] is False
    [message] = messages_of(response)
    assert "worker running it was lost" in message and "publish it again" in message
    assert publication.get().status == "FAILED"
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW

    # Trying again works.
    client.post(f"/desk/issues/{issue.pk}/publish/")
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=io.StringIO())
    assert Issue.objects.get(pk=issue.pk).status == Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_the_command_marks_only_tasks_running_past_the_timeout(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    old, recent, waiting = (publish_issue_task.enqueue(0, bob.pk) for _ in range(3))
    for result in (old, recent):
        DBTaskResult.objects.get(pk=result.id).claim("worker")
    DBTaskResult.objects.filter(pk=old.id).update(
        started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    out = io.StringIO()

    call_command("fail_abandoned_tasks", stdout=out)

    assert "1 abandoned task(s) marked failed" in out.getvalue()
    statuses = {str(r.pk): r.status for r in DBTaskResult.objects.all()}
    assert [statuses[r.id] for r in (old, recent, waiting)] == ["FAILED", "RUNNING", "READY"]


def claimed_by(worker_id: str, result_id: str, *, seconds_ago: float, claims: int = 1) -> None:
    task = DBTaskResult.objects.get(pk=result_id)
    for _ in range(claims):
        task.claim(worker_id)
    DBTaskResult.objects.filter(pk=result_id).update(
        started_at=timezone.now() - datetime.timedelta(seconds=seconds_ago)
    )


@pytest.mark.django_db(transaction=True)
def test_the_workers_take_back_a_task_whose_worker_stopped_beating(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    lost, busy = publish_issue_task.enqueue(issue.pk, bob.pk), publish_issue_task.enqueue(0, bob.pk)
    silent_for = settings.NEWSROOM_WORKER_LOST_AFTER + 5
    claimed_by("worker-that-died", lost.id, seconds_ago=silent_for)
    # A long task of a worker that is alive: it beat a moment ago.
    claimed_by("worker-at-work", busy.id, seconds_ago=silent_for)
    TaskWorker.objects.create(
        worker_id="worker-at-work",
        hostname="here",
        pid=1,
        queues="*",
        started_at=timezone.now() - datetime.timedelta(hours=1),
        seen_at=timezone.now(),
    )

    assert reclaim_lost_tasks() == 1

    statuses = {str(r.pk): r.status for r in DBTaskResult.objects.all()}
    assert (statuses[lost.id], statuses[busy.id]) == ("READY", "RUNNING")
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=io.StringIO())
    task = DBTaskResult.objects.get(pk=lost.id)
    assert task.status == "SUCCESSFUL" and task.worker_ids[0] == "worker-that-died"
    assert Issue.objects.get(pk=issue.pk).status == Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_a_task_that_lost_its_worker_three_times_fails_and_the_desk_says_why(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    client = Client()
    client.force_login(bob)
    client.post(f"/desk/issues/{issue.pk}/publish/")
    publication = DBTaskResult.objects.get(task_path__endswith="publish_issue_task")
    claimed_by("worker-that-died", str(publication.pk), seconds_ago=60, claims=3)

    assert reclaim_lost_tasks() == 1

    publication.refresh_from_db()
    assert publication.status == "FAILED"
    assert "3 times" in publication.traceback
    message = messages_of(client.get(f"/desk/issues/{issue.pk}/"))[-1]
    assert "worker running it was lost" in message and "publish it again" in message
    assert Issue.objects.get(pk=issue.pk).status == Status.REVIEW


@pytest.mark.django_db(transaction=True)
def test_a_worker_taken_for_dead_does_not_record_the_outcome_of_a_task_given_to_another(
    settings: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queued = send_notices.enqueue(email="nobody@example.org")
    worker = SurvivingWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-cut-off",
        excluded_queue_names=[],
    )
    row = DBTaskResult.objects.get(pk=queued.id)
    row.claim("worker-cut-off")
    # Cut off from the database for longer than NEWSROOM_WORKER_LOST_AFTER,
    # this worker's task was given back to the queue by its neighbours.
    assert give_back(row, why="lost its worker worker-cut-off") == "requeued"

    worker.run_task(row)  # it runs the task, and comes back to record it

    row.refresh_from_db()
    assert (row.status, row.finished_at, row.return_value) == ("READY", None, None)
