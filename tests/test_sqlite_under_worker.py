"""The embedded default holds under its own worker (issue 21, item 3).

One SQLite file, as `make run` has it, served by gunicorn (two processes, four
threads each) while `manage.py db_worker` works through a queue beside it;
editors add and remove stories in the issue builder, write new stories, and
an administrator adds users, all at once. With WAL, a busy timeout and
immediate write transactions (newsroom/settings.py) every request succeeds:
no 500, and "database is locked" appears in no log.

The pytest database is SQLite in memory; the test copies it, fixtures and
queue included, into a file for the processes (SQLite's backup API).
About 30 s.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection

from newsroom.models import Newsletter
from newsroom.review.thread_mail import send_notices
from tests import factories
from tests.issue_helpers import make_published_stories
from tests.s3_server import free_port, stop, wait_for_http

pytestmark = [
    pytest.mark.sqlite,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="about the SQLite default"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
QUEUED = 300  # tasks waiting for the worker when the web starts writing
ROUNDS = 12


def copy_database_to(path: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()


def spawn(
    name: str, command: list[str], home: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    with (home / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=60)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:300]
    return token.group(1)


def test_the_web_and_a_worker_write_to_one_sqlite_file_at_once_without_a_500(
    newsletter: Newsletter, alice: User, bob: User, tmp_path: Path, settings: Any
) -> None:
    chief = factories.make_user("chief", is_staff=True, is_superuser=True)
    # The processes hash with PBKDF2, not with the tests' fast hasher.
    chief.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, "sqlite", 1000)
    chief.save(update_fields=["password"])
    builders = []
    for number in range(3):
        [story] = make_published_stories(
            newsletter=newsletter, author=alice, reviewer=bob, count=1, headlines=[f"Pier {number}"]
        )
        issue = factories.make_issue(newsletter=newsletter, created_by=alice, number=100 + number)
        builders.append((issue.pk, story.pk))
    source = factories.make_source()
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}
    }
    for n in range(QUEUED):
        send_notices.enqueue(email=f"nobody{n}@example.org")
    database = tmp_path / "newsroom.sqlite3"
    copy_database_to(database)

    port = free_port()
    site = f"http://127.0.0.1:{port}"
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "FONTCONFIG_PATH", "FONTCONFIG_FILE")
    env = {k: os.environ[k] for k in keep if k in os.environ} | {
        "HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_ENV_FILE": str(tmp_path / "no-such.env"),
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "sqlite-under-worker",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{database}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "NEWSROOM_ARTIFACTS_ROOT": str(tmp_path / "artifacts"),
    }
    web = spawn(
        "web",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        tmp_path,
        env,
    )
    worker = spawn(
        "worker",
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.1",
            "--no-reload",
            "--no-startup-delay",
        ],
        tmp_path,
        env,
    )
    answers: list[tuple[str, int]] = []
    try:
        wait_for_http(f"{site}/healthz", timeout=60, process=web)
        signed_in = requests.Session()
        answer = signed_in.post(
            f"{site}/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf(signed_in, f"{site}/accounts/login/"),
                "username": "chief",
                "password": factories.PASSWORD,
            },
            allow_redirects=False,
            timeout=60,
        )
        assert answer.status_code == 302, answer.text[:300]

        def browser() -> requests.Session:
            session = requests.Session()
            session.cookies.update(signed_in.cookies)
            return session

        def post(session: requests.Session, page: str, action: str, data: dict[str, Any]) -> None:
            data = {"csrfmiddlewaretoken": csrf(session, f"{site}{page}"), **data}
            response = session.post(f"{site}{action}", data=data, timeout=120)
            answers.append((f"POST {action}", response.status_code))

        def build(issue_id: int, story_id: int) -> None:
            session, page = browser(), f"/desk/issues/{issue_id}/"
            for _ in range(ROUNDS):
                post(session, page, f"{page}stories/add/", {"story": story_id})
                post(session, page, f"{page}stories/{story_id}/remove/", {})

        def write(writer: int) -> None:
            session = browser()
            for n in range(ROUNDS):
                post(
                    session,
                    "/desk/stories/new/",
                    "/desk/stories/new/",
                    {
                        "headline": f"Tide report {writer}-{n}",
                        "body": "<p>The tide came in at six.</p>",
                        "source": source.name,
                        "new_source": "",
                        "newsletter": newsletter.pk,
                        "original_url": "",
                    },
                )

        def add_users() -> None:
            session, page = browser(), "/admin/auth/user/add/"
            for n in range(3):
                post(
                    session,
                    page,
                    page,
                    {
                        "username": f"deskhand{n}",
                        "usable_password": "true",
                        "password1": "a-long-enough-password-1",
                        "password2": "a-long-enough-password-1",
                    },
                )

        jobs: list[Callable[[], None]] = [
            *(lambda i=i, s=s: build(i, s) for i, s in builders),
            *(lambda w=w: write(w) for w in range(2)),
            add_users,
        ]
        threads = [threading.Thread(target=job) for job in jobs]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        took = time.monotonic() - started
        assert worker.poll() is None and web.poll() is None
    finally:
        stop(worker)
        stop(web)

    logs = {
        name: (tmp_path / f"{name}.log").read_text(errors="replace") for name in ("web", "worker")
    }
    failed = [(what, status) for what, status in answers if status >= 400]
    expected = len(builders) * ROUNDS * 2 + 2 * ROUNDS + 3
    assert len(answers) == expected and not failed, (failed, logs["web"][-3000:])
    for name, text in logs.items():
        assert "database is locked" not in text, f"{name}:\n{text[-3000:]}"
    with sqlite3.connect(database) as result:
        done = result.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
        ).fetchone()[0]
        written = result.execute(
            "SELECT count(*) FROM newsroom_story WHERE headline LIKE 'Tide report %'"
        ).fetchone()[0]
        users = result.execute(
            "SELECT count(*) FROM auth_user WHERE username LIKE 'deskhand%'"
        ).fetchone()[0]
        mode = result.execute("PRAGMA journal_mode").fetchone()[0]
    result.close()
    assert (written, users, mode) == (2 * ROUNDS, 3, "wal")
    # The worker was writing all along: claims and outcomes of its queue.
    assert done >= 50, logs["worker"][-3000:]
    print(f"\n{len(answers)} writes in {took:.1f} s beside {done} tasks run by the worker")
