"""The embedded default, as `make run` starts it: the same commands on a fresh
SQLite file, a real server process, and a demo login that works through it.

Marked `sqlite`: it is about the default a newcomer meets, so `make test`
runs it in the SQLite part of the suite, once."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The environment `make run` gives manage.py, pointed at a fresh file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "DJANGO_", "NEWSROOM_"))
    }
    env |= {
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "tests-only-not-a-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'newsroom.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "NEWSROOM_ARTIFACTS_ROOT": str(tmp_path / "artifacts"),
    }
    yield f"http://127.0.0.1:{free_port()}", env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_make_run_serves_the_demo_and_its_printed_login_signs_in(
    embedded: tuple[str, dict[str, str]],
) -> None:
    address, env = embedded
    manage(env, "migrate", "--noinput", "-v", "0")
    summary = manage(env, "seed_demo", "--serving", address + "/")
    assert address in summary and "newsroom-demo" in summary
    server = subprocess.Popen(  # the same runserver `make run` starts
        [sys.executable, "manage.py", "runserver", "--noreload", address.removeprefix("http://")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(address + "/healthz", timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read()[-2000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "runserver did not answer within 60 s"
                time.sleep(0.3)
        assert health.json() == {"status": "ok"}

        browser = requests.Session()
        login = browser.get(address + "/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token, "the sign-in page has no CSRF token"
        desk = browser.post(
            address + "/accounts/login/",
            data={
                "username": "editor",
                "password": "newsroom-demo",
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": address + "/accounts/login/"},
            timeout=30,
        )
        assert desk.status_code == 200
        assert "Sign out" in desk.text or "Log out" in desk.text
    finally:
        server.terminate()
        server.wait(timeout=30)
