"""A task worker lives through database outages and takes over from a dead
neighbour (issues/workers.py, issue 21).

A real `manage.py db_worker` process reaches PostgreSQL through a TCP proxy
that the test cuts and restores (tests/tcp_proxy.py): once while the worker
waits for work, once while it runs a publication. The worker stays alive,
the publication is tried again and completes exactly once, and each
subscriber gets one mail (tests/smtp_sink.py). Then a task claimed by a
worker that died is taken back and run by a live one, with no cron.

PostgreSQL only (a worker process beside the test); about 30 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from issues.models import Delivery, Issue
from issues.models.editions import Edition
from issues.models.workers import TaskWorker
from issues.tasks import publish_issue_task
from newsroom.models import Newsletter
from newsroom.review.workflow import Status
from tests import factories
from tests.issue_helpers import make_issue_in_review, stored_files
from tests.s3_server import stop
from tests.smtp_sink import smtp_sink
from tests.tcp_proxy import Proxy, tcp_proxy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker process shares the database: PostgreSQL (DATABASE_URL)",
    ),
    # The worker sees only what is committed.
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
WAIT = 90.0  # the most one step may take on a loaded machine; it takes seconds
OUTAGE = 3.0  # seconds the database is gone, each time
READERS = ("dave", "frank", "gina")


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process, self.log = process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, what: str, check: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if value := check():
                return value
            assert self.process.poll() is None, f"the worker exited:\n{self.output()[-4000:]}"
            time.sleep(0.05)
        pytest.fail(f"Not within {WAIT:.0f} s: {what}\n{self.output()[-4000:]}")


@contextmanager
def worker_through(
    proxy: Proxy, *, home: Path, artifacts: Path, mail_port: int, lost_after: int = 30
) -> Iterator[Worker]:
    """`manage.py db_worker` on every queue, reaching the test database through `proxy`."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "FONTCONFIG_PATH", "FONTCONFIG_FILE")
    env = {k: os.environ[k] for k in keep if k in os.environ} | {
        "HOME": str(home),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_ENV_FILE": str(home / "no-such.env"),
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "worker-outages",
        "DATABASE_URL": f"postgres://{credentials}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "NEWSROOM_ARTIFACTS_ROOT": str(artifacts),
        "NEWSROOM_RENDER_WORKERS": "1",
        "NEWSROOM_WORKER_LOST_AFTER": str(lost_after),
    }
    log = home / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.2",
                "--no-reload",
                "--no-startup-delay",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Worker(process, log)
    finally:
        stop(process)


def to_readers(counts: Any) -> dict[str, int]:
    return {a: n for a, n in counts.items() if a.split("@")[0] in READERS}


def beat_after(moment: float) -> Callable[[], bool]:
    """Whether the worker has beaten since `moment` (time.time())."""

    def check() -> bool:
        seen = TaskWorker.objects.values_list("seen_at", flat=True).first()
        return seen is not None and seen.timestamp() > moment

    return check


def idle() -> bool:
    """The worker has run its first deadline check and runs nothing now."""
    tasks = DBTaskResult.objects.all()
    return (
        tasks.filter(status="SUCCESSFUL").exists() and not tasks.filter(status="RUNNING").exists()
    )


def test_a_worker_lives_through_outages_and_publishes_exactly_once(
    newsletter: Newsletter, alice: User, bob: User, artifacts: Path, tmp_path: Path, settings: Any
) -> None:
    for name in READERS:
        factories.make_subscriber(name, newsletter)
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=2)
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    reviewer = Client()
    reviewer.force_login(bob)
    publication = DBTaskResult.objects.filter(task_path=publish_issue_task.module_path)

    with (
        smtp_sink(delay=0.0, refuse_every=0) as (sink, mail_port),
        tcp_proxy(db_host(), db_port()) as proxy,
        worker_through(proxy, home=tmp_path, artifacts=artifacts, mail_port=mail_port) as worker,
    ):
        worker.wait_until("the worker beats", beat_after(0))
        worker.wait_until("its first deadline check is done", idle)

        # PostgreSQL goes away while the worker waits for work, and comes back.
        proxy.cut()
        time.sleep(OUTAGE)
        assert worker.process.poll() is None
        proxy.restore()
        worker.wait_until("the worker beats again", beat_after(time.time()))

        # Bob publishes; the database goes away while the worker renders it.
        reviewer.post(reverse("issue_desk:issue_publish", args=[issue.pk]))
        worker.wait_until("the publication runs", publication.filter(status="RUNNING").exists)
        proxy.cut()
        time.sleep(OUTAGE)
        proxy.restore()

        worker.wait_until(
            "the issue is published and mailed",
            lambda: (
                len(to_readers(sink.accepted)) == len(READERS)
                and not Delivery.objects.filter(sent_at__isnull=True).exists()
            ),
        )
        time.sleep(1)  # time for a second (wrong) mail to arrive, if one were coming
        assert worker.process.poll() is None
        log = worker.output()

    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert issue.transitions.filter(to_status=Status.PUBLISHED).count() == 1
    [edition] = Edition.objects.filter(issue=issue)
    # The interrupted attempt's files went with it: one HTML, one PDF.
    assert stored_files(artifacts) == sorted([edition.html_file.name, edition.pdf_file.name])
    assert to_readers(sink.accepted) == {f"{name}@example.org": 1 for name in READERS}
    [task] = publication
    assert (task.status, task.return_value["published"]) == ("SUCCESSFUL", True)
    assert len(task.worker_ids) == 2  # interrupted once, then run again
    # One warning for the outage while it waited, and a line when it ended.
    # The second one may be over when the publication notices it (a render
    # needs no database): then the task's interruption is all there is to say.
    waiting, publishing = log.split(f"path={publish_issue_task.module_path} state=RUNNING", 1)
    assert waiting.count("the database is unreachable") == 1, log
    assert waiting.count("the database is back") == 1, log
    assert publishing.count("the database is unreachable") <= 1, log
    assert publishing.count("was interrupted by a database error") == 1, log
    assert publishing.count("back in the queue (attempt 1 of 3)") == 1, log


def test_a_task_whose_worker_died_is_run_by_another_within_seconds(
    newsletter: Newsletter, alice: User, bob: User, artifacts: Path, tmp_path: Path, settings: Any
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    result = publish_issue_task.enqueue(issue.pk, bob.pk)
    # A worker claimed it and was killed (SIGKILL, a lost machine): RUNNING,
    # and nobody beats for "worker-that-died".
    DBTaskResult.objects.get(pk=result.id).claim("worker-that-died")
    started = time.monotonic()

    with (
        smtp_sink(delay=0.0, refuse_every=0) as (_, mail_port),
        tcp_proxy(db_host(), db_port()) as proxy,
        worker_through(
            proxy, home=tmp_path, artifacts=artifacts, mail_port=mail_port, lost_after=3
        ) as worker,
    ):
        worker.wait_until(
            "the publication is taken back and run",
            lambda: Issue.objects.get(pk=issue.pk).status == Status.PUBLISHED,
        )
        log = worker.output()

    taken = time.monotonic() - started
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "worker-that-died" and len(task.worker_ids) == 2
    assert "lost its worker worker-that-died: back in the queue (attempt 1 of 3)" in log
    print(f"\ntaken back and published {taken:.1f} s after the claim (lost after 3 s)")


def db_host() -> str:
    return str(connection.settings_dict["HOST"] or "127.0.0.1")


def db_port() -> int:
    return int(connection.settings_dict["PORT"] or 5432)
