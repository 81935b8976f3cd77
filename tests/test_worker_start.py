"""The deadline chain starts with the worker: a deployment whose database
already holds deadlines and schedules gets its reminders and publications
without anyone opening a page (newsroom/planning/reminders.py, issues' db_worker)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command, get_commands
from django_tasks_db.models import DBTaskResult

from issues.models import Issue
from newsroom.models import Newsletter
from newsroom.models.planning import Assignment, DeskNotice
from newsroom.review.workflow import Status
from tests.issue_helpers import make_issue_in_review

T0 = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC)
CHECK = "newsroom.planning.reminders.check_deadlines"
PUBLISH = "issues.publishing.scheduling.publish_scheduled_issue"


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, no_startup_delay=True, queue_name="*", stdout=io.StringIO()
    )


def waiting(task_path: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task_path, status="READY"))


@pytest.fixture
def database_queue(settings: Any) -> None:
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }


def test_manage_py_db_worker_is_the_one_that_starts_the_chain() -> None:
    assert get_commands()["db_worker"] == "issues"


@pytest.mark.django_db(transaction=True)
def test_a_fresh_worker_sends_reminders_and_publishes_what_the_database_holds(
    newsletter: Newsletter, alice: User, bob: User, carol: User, erin: User, settings: Any
) -> None:
    # Deadlines already in the database (a restored backup, a site moved from
    # the immediate backend): no task in the queue for any of them.
    Assignment.objects.create(
        headline="Harbour cable lands",
        newsletter=newsletter,
        assignee=erin,
        due_at=T0 - datetime.timedelta(hours=1),
        created_by=alice,
    )
    overdue = make_issue_in_review(
        newsletter=newsletter, editor=alice, reviewer=bob, count=1, number=1
    )
    ahead = make_issue_in_review(
        newsletter=newsletter,
        editor=alice,
        reviewer=bob,
        count=1,
        number=2,
        period_start=datetime.date(2025, 12, 1),
    )
    Issue.objects.filter(pk=overdue.pk).update(
        scheduled_for=T0 - datetime.timedelta(minutes=10), scheduled_by=carol
    )
    Issue.objects.filter(pk=ahead.pk).update(
        scheduled_for=T0 + datetime.timedelta(hours=1), scheduled_by=carol
    )
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    mail.outbox.clear()
    assert not DBTaskResult.objects.exists()

    with time_machine.travel(T0, tick=False):
        run_worker()

    overdue.refresh_from_db()
    assert overdue.status == Status.PUBLISHED
    assert overdue.late_by == datetime.timedelta(minutes=10)
    notice = DeskNotice.objects.get(user=erin)
    assert notice.message.startswith("“Harbour cable lands” was due")
    # The writer, and Alice who planned the slot for her.
    deadline_mail = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Deadline"))
    assert deadline_mail == sorted([erin.email, alice.email])
    # The chain goes on: the next check in five minutes, and the schedule
    # still ahead has its publication task back, for its time.
    [check] = waiting(CHECK)
    assert check.run_after == T0 + datetime.timedelta(minutes=5)
    [publication] = waiting(PUBLISH)
    assert publication.run_after == T0 + datetime.timedelta(hours=1)
    assert publication.args_kwargs["args"][0] == ahead.pk

    # A second worker (or a restart) adds nothing: the chain is idempotent.
    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        run_worker()
    assert (len(waiting(CHECK)), len(waiting(PUBLISH))) == (1, 1)
    assert DeskNotice.objects.count() == 2  # the writer's and the planner's, once each

    with time_machine.travel(T0 + datetime.timedelta(hours=1, seconds=1), tick=False):
        run_worker()
    ahead.refresh_from_db()
    assert ahead.status == Status.PUBLISHED
    assert ahead.late_by is None
    assert len(waiting(CHECK)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_a_check_is_replaced_by_the_next_worker_start(
    database_queue: None,
) -> None:
    from newsroom.planning.reminders import check_deadlines

    with time_machine.travel(T0, tick=False):
        lost = check_deadlines.enqueue()
        DBTaskResult.objects.get(pk=lost.id).claim("worker-that-died")  # RUNNING forever
        run_worker()
    ran = DBTaskResult.objects.filter(task_path=CHECK, status="SUCCESSFUL")
    assert ran.count() == 1
    assert len(waiting(CHECK)) == 1


def test_with_the_immediate_backend_the_worker_start_queues_nothing(db: None) -> None:
    from newsroom.planning.reminders import start_reminding

    assert start_reminding() is False
    assert not DBTaskResult.objects.exists()
