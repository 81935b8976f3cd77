"""Mail at the server's pace: our own cost per mail, and an issue mailed to
many readers through a mail server that takes 20 ms a message, by the
README's set-up (one supervised `db_worker --queue-name mail`), killed with
SIGKILL mid-batch and started again, as its supervisor would.

    make bench   (the second part needs PostgreSQL: DATABASE_URL=postgres:///...)

BENCH_READERS (default 2,000) sets the readers of the second part; the
figure for 20,000 readers is extrapolated from it where CPU is short.
NEWSROOM_MAIL_CONNECTIONS (default 16, as in settings) is given to the worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from issues.models import Delivery, Issue, Subscription
from issues.publishing import delivery
from issues.publishing.publish import publish_issue
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.review.workflow import SUBMIT, perform
from tests import factories
from tests.issue_helpers import make_published_stories
from tests.smtp_sink import smtp_sink

OVERHEAD_READERS = 1000
READERS = int(os.environ.get("BENCH_READERS", "2000"))
SINK_DELAY = 0.020
CONNECTIONS = int(os.environ.get("NEWSROOM_MAIL_CONNECTIONS", "16"))
ROOT = Path(__file__).resolve().parents[2]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_readers(newsletter: Newsletter, count: int) -> None:
    password = make_password("x")
    users = User.objects.bulk_create(
        User(username=f"reader{i}", email=f"reader{i}@example.org", password=password)
        for i in range(count)
    )
    Subscription.objects.bulk_create(Subscription(user=u, newsletter=newsletter) for u in users)
    # Readers by role, as the subscriber's grant asks (issues/readers/access.py).
    subscribers = Group.objects.get(name=roles.SUBSCRIBERS)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=subscribers.pk) for u in users
    )


def published_issue(newsletter: Newsletter) -> Issue:
    alice, bob = factories.make_editor("alice"), factories.make_reviewer("bob")
    stories = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=5)
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories)
    perform(issue, SUBMIT, by=alice)
    publish_issue(issue=issue, by=bob, notify=False)
    return issue


def _serve(conn: Connection, delay: float) -> None:
    with smtp_sink(delay=delay, refuse_every=0) as (sink, port):
        conn.send(port)
        conn.recv()  # until told to stop
        conn.send(dict(sink.accepted))


class SinkProcess:
    """The mail server in a process of its own, so that its CPU is not ours."""

    def __init__(self, delay: float) -> None:
        self.conn, child = get_context("fork").Pipe()
        self.process = get_context("fork").Process(target=_serve, args=(child, delay), daemon=True)
        self.process.start()
        self.port: int = self.conn.recv()

    def stop(self) -> dict[str, int]:
        self.conn.send("stop")
        accepted: dict[str, int] = self.conn.recv()
        self.process.join(5)
        return accepted


def use_smtp(settings: Any, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }


@pytest.mark.django_db
def test_our_own_cost_per_mail(settings: Any) -> None:
    """One connection to a server that answers at once: what is left of the
    time per mail is ours (claiming, personalising, marking, the SMTP
    dialogue on our side), in wall-clock and in CPU seconds."""
    newsletter = factories.make_newsletter()
    make_readers(newsletter, OVERHEAD_READERS)
    issue = published_issue(newsletter)
    delivery.plan_deliveries(issue)
    server = SinkProcess(delay=0.0)
    try:
        use_smtp(settings, server.port)
        settings.NEWSROOM_MAIL_CONNECTIONS = 1
        start, start_cpu = time.perf_counter(), time.process_time()
        sent = delivery.send_owed(issue)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        accepted = server.stop()
    assert sent == OVERHEAD_READERS == len(accepted)
    print(
        f"\nOur own cost per mail, {OVERHEAD_READERS} readers, one connection to a server that"
        f" answers at once, {connection.vendor} (load average {load_average()}):"
    )
    print(
        f"  {wall / sent * 1000:.2f} ms wall-clock, {cpu / sent * 1000:.2f} ms CPU per mail"
        " (target: under 2 ms)"
    )


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "mail", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # killed with everything it started
    )


@pytest.mark.django_db(transaction=True)
def test_mailing_many_readers_with_the_worker_killed_mid_batch(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a db_worker in another process needs PostgreSQL (DATABASE_URL)")
    newsletter = factories.make_newsletter()
    make_readers(newsletter, READERS)
    issue = published_issue(newsletter)
    lease = 10
    server = SinkProcess(delay=SINK_DELAY)
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{server.port}",
        "NEWSROOM_DELIVERY_LEASE_SECONDS": str(lease),
        "NEWSROOM_MAIL_CONNECTIONS": str(CONNECTIONS),
    }
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    sent = Delivery.objects.filter(issue=issue, sent_at__isnull=False)
    running = worker(env)
    try:
        started = time.monotonic()
        delivery.deliver_issue.enqueue(issue.pk)
        # Halfway, into a batch of 100: mid-batch.
        while sent.count() < READERS // 200 * 100 + 37:
            time.sleep(0.02)
        os.killpg(running.pid, signal.SIGKILL)  # no goodbye
        running.wait()
        killed_at = time.monotonic() - started
        killed = timezone.now()
        orphans = Delivery.objects.filter(
            issue=issue, sent_at__isnull=True, claimed_at__isnull=False
        ).count()
        running = worker(env)  # its supervisor starts it again
        while sent.count() < READERS:
            assert time.monotonic() - started < 600, "not all mail went out in 10 minutes"
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(running.pid, signal.SIGKILL)
        running.wait()
        accepted = server.stop()
    received = sum(accepted.values())
    twice = sum(n - 1 for n in accepted.values() if n > 1)
    assert len(accepted) == READERS  # none lost
    first = sent.aggregate(Min("sent_at"))["sent_at__min"]
    before_kill = sent.filter(sent_at__lte=killed).count()
    rate = before_kill / (killed - first).total_seconds()
    print(
        f"\n{READERS} readers through a {SINK_DELAY * 1000:.0f} ms/message server, one mail"
        f" worker with {CONNECTIONS} connections, killed at"
        f" {killed_at:.1f} s holding {orphans} claimed mails and started again;"
        f" lease {lease} s ({connection.vendor}, load average {load_average()}):"
    )
    print(
        f"  all sent in {elapsed:.1f} s; received {received}, distinct {len(accepted)},"
        f" twice {twice}"
    )
    print(
        f"  {rate:.0f} mails/s from the first mail to the kill ({before_kill} mails);"
        f" 20,000 readers extrapolated: {20_000 / rate:.0f} s, plus one lease if a worker"
        " dies (target: under 120 s)"
    )
