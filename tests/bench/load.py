"""`make load`: a day's mix under locust, against a generate_load database.

Needs DATABASE_URL pointing at a PostgreSQL database filled by
`manage.py generate_load` (README, "Benchmarks"). Collects the static files,
starts gunicorn (debug off) on loopback and one `db_worker` (publishing
runs there, as in production), signs in 50 subscribers, 5 editors and 2
reviewers by making their sessions, runs tests/bench/locustfile.py headless
for LOAD_RUN_TIME (default 2m), then prints p50/p95 per page and the error
count, and stops what it started. A benchmark: it asserts nothing, and the
run changes the database (stories written, approved, issues published).

    DATABASE_URL=postgres:///newsroom_big make load
    DATABASE_URL=... LOAD_RUN_TIME=30s LOAD_WORKERS=3 python tests/bench/load.py
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE))
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    "DJANGO_SECRET_KEY": "load-test-only-not-a-secret",
    "DJANGO_DEBUG": "0",
    # Plain HTTP on loopback: no redirect to https (cookies stay Secure).
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_ENV_FILE": "/nonexistent",
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    "EMAIL_URL": "consolemail://",
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from issues.management.commands.generate_load import WORDS  # noqa: E402
from issues.models import Issue, Subscription  # noqa: E402
from newsroom import roles  # noqa: E402
from newsroom.models import Source  # noqa: E402
from newsroom.review.workflow import Status  # noqa: E402
from tests.bench.serving import free_port, session_for  # noqa: E402

RUN_TIME = os.environ.get("LOAD_RUN_TIME", "2m")
WORKERS = os.environ.get("LOAD_WORKERS", "3")


def plan() -> dict[str, object]:
    """Who signs in, and what there is to find."""
    readers = (
        User.objects.filter(
            is_active=True,
            groups__name=roles.SUBSCRIBERS,
            pk__in=Subscription.objects.values("user"),
        )
        .distinct()
        .order_by("pk")[:50]
    )
    desk = User.objects.filter(is_active=True, username__startswith="load-r").order_by("pk")
    editors = desk.filter(groups__name=roles.EDITORS)[:5]
    reviewers = desk.filter(groups__name=roles.REVIEWERS)[:2]
    if len(readers) < 50 or len(editors) < 5 or len(reviewers) < 2:
        sys.exit("make load needs a generate_load database (50 subscribers at least).")
    return {
        "subscribers": [{"session": session_for(u)} for u in readers],
        "editors": [{"session": session_for(u)} for u in editors],
        "reviewers": [{"session": session_for(u)} for u in reviewers],
        "sources": list(Source.objects.order_by("?").values_list("name", flat=True)[:50]),
        "words": WORDS,  # what generate_load writes with: common words, every one
        "issues_in_review": list(
            Issue.objects.filter(status=Status.REVIEW).values_list("pk", flat=True)
        ),
    }


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=BASE, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT
        )


def wait_for(port: int) -> None:
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def report(stats: Path, load: tuple[float, float]) -> None:
    with stats.open() as file:
        rows = list(csv.DictReader(file))
    print(f"\nlocust, {RUN_TIME} with 50 subscribers, 5 editors, 2 reviewers; gunicorn {WORKERS}")
    print(
        f"workers, debug off, one db_worker; machine load average {load[0]:.1f} before,"
        f" {load[1]:.1f} after, on {os.cpu_count()} cores"
    )
    print(f"{'page':<24} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for row in sorted(rows, key=lambda r: r["Name"] == "Aggregated"):
        print(
            f"{row['Name']:<24} {row['Request Count']:>9} {row['Failure Count']:>7}"
            f" {row['50%']:>7} {row['95%']:>7} {float(row['Max Response Time']):>7.0f}"
        )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("make load needs DATABASE_URL of a generate_load database on PostgreSQL.")
    call_command("collectstatic", "--noinput", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    sessions = work / "sessions.json"
    sessions.write_text(json.dumps(plan()))
    connection.close()
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-w", WORKERS]
    worker = [sys.executable, "manage.py", "db_worker", "--queue-name", "*"]
    servers = [
        start([*gunicorn, "-b", f"127.0.0.1:{port}", "--timeout", "30"], work / "gunicorn.log"),
        start(worker, work / "worker.log"),
    ]
    try:
        wait_for(port)
        before = os.getloadavg()[0]
        locust = [
            sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
            "--headless", "--host", f"http://127.0.0.1:{port}", "--users", "57",
            "--spawn-rate", "20", "--run-time", RUN_TIME, "--stop-timeout", "10",
            "--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        subprocess.run(
            locust, cwd=BASE, env={**os.environ, "LOAD_SESSIONS": str(sessions)}, check=False
        )
        after = os.getloadavg()[0]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    report(work / "load_stats.csv", (before, after))
    print(f"logs and locust's CSV files: {work}")


if __name__ == "__main__":
    main()
