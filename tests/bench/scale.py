"""`make bench-scale`: desk and archive pages, and downloads, at scale.

Needs DATABASE_URL pointing at a PostgreSQL database filled by
`manage.py generate_load` (see the README). Starts gunicorn (debug off, 2
workers) on loopback, then prints per page the p50/p95 over HTTP and the
queries it runs, and the download throughput at concurrency 1/8/32 for the
download view (with and without prepared statements), a signed link (with
and without the grant check), the X-Accel-Redirect hand-off (Django's part:
nginx would send the bytes) and whitenoise serving the same file, each as a
ratio to whitenoise. Prints figures only; asserts nothing.

    DATABASE_URL=postgres:///newsroom_big python tests/bench/scale.py [pages] [downloads]

With arguments, only those parts run (`make bench-scale BENCH_PARTS=downloads`).
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
# Debug on by default, so static files come from the finders (whitenoise's
# autorefresh mode, slower than in production); BENCH_DEBUG=0 needs a
# `collectstatic` first.
os.environ["DJANGO_DEBUG"] = os.environ.get("BENCH_DEBUG", "1")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
os.environ["DJANGO_ENV_FILE"] = "/nonexistent"
# A signed link lives a minute by default; the bench follows one for longer.
os.environ.setdefault("NEWSROOM_SIGNED_LINK_SECONDS", "3600")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from issues import downloads  # noqa: E402
from issues.models import Issue, Subscription  # noqa: E402
from newsroom.workflow import Status  # noqa: E402
from tests.bench.serving import free_port, session_for  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
# Untimed requests per page first: enough to reach both gunicorn workers.
WARM_UP = 4
# Timed downloads per turn of a path at a concurrency (a second or more),
# after untimed ones; the paths take turns DOWNLOAD_ROUNDS times.
DOWNLOADS = int(os.environ.get("BENCH_DOWNLOADS", "1000"))
DOWNLOADS_WARM_UP = 20
DOWNLOAD_ROUNDS = int(os.environ.get("BENCH_DOWNLOAD_ROUNDS", "3"))


def gunicorn(port: int, **env: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=BASE,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def get(port: int, path: str, cookie: str = "", conn: Any = None) -> tuple[int, int]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "localhost"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if own:
        conn.close()
    return response.status, len(body)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def pages(port: int) -> None:
    editor = User.objects.get(username="load-r1-editor-1")
    reviewer = User.objects.get(username="load-r1-reviewer-1")
    sub = Subscription.objects.select_related("user", "newsletter").order_by("pk").first()
    assert sub is not None
    reader = sub.user
    draft = Issue.objects.filter(status=Status.DRAFT).order_by("pk").first()
    published = Issue.objects.filter(status=Status.PUBLISHED, newsletter=sub.newsletter).first()
    assert draft is not None and published is not None
    cookies = {u.pk: session_for(u) for u in (editor, reviewer, reader)}
    rows = [
        ("editor's dashboard", editor, "/desk/"),
        ("reviewer's dashboard", reviewer, "/desk/"),
        ("story list", editor, "/desk/stories/"),
        ("story search", editor, "/desk/stories/?q=satellite+launch"),
        ("review queue", reviewer, "/desk/review/"),
        ("desk issue list", editor, "/desk/issues/"),
        ("issue builder", editor, f"/desk/issues/{draft.pk}/"),
        ("archive", reader, "/issues/"),
        ("issue page", reader, published.get_absolute_url()),
    ]
    print(f"\npages ({ROUNDS} requests each, gunicorn 2 workers, debug off)")
    print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, user, path in rows:
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path, HTTP_HOST="localhost").status_code
        assert status == 200, (path, status)
        for _ in range(WARM_UP):  # each gunicorn worker loads its templates once
            get(port, path, cookies[user.pk])
        times = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            code, _ = get(port, path, cookies[user.pk])
            times.append((time.perf_counter() - started) * 1000)
            assert code == 200, (path, code)
        print(
            f"{name:<22} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f}"
            f" {len(queries.captured_queries):8d}"
        )


def throughput(port: int, path: str, cookie: str, concurrency: int) -> float:
    per_thread = max(DOWNLOADS // concurrency, 5)
    errors: list[int] = []
    # Untimed: every worker has answered this path once (its first answer
    # compiles, opens a connection, fills caches).
    for _ in range(DOWNLOADS_WARM_UP):
        get(port, path, cookie)

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(per_thread):
            code, _ = get(port, path, cookie, conn)
            if code != 200:
                errors.append(code)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors[:3]
    return per_thread * concurrency / elapsed


def downloads_bench(port: int, accel_port: int, unprepared_port: int, checked_port: int) -> None:
    sub = Subscription.objects.select_related("user", "newsletter").order_by("pk").first()
    assert sub is not None
    issue = Issue.objects.filter(status=Status.PUBLISHED, newsletter=sub.newsletter).first()
    assert issue is not None and issue.latest_edition is not None
    cookie = session_for(sub.user)
    pdf = f"/issues/{issue.newsletter.slug}/{issue.number}.pdf"
    signed = downloads.signed_pdf_url(issue, sub.user.pk)
    size = issue.latest_edition.pdf_size
    paths = [
        ("download view", port, pdf, cookie),
        ("  not prepared", unprepared_port, pdf, cookie),
        ("signed link", port, signed, ""),
        ("  checking the grant", checked_port, signed, ""),
        ("X-Accel (Django part)", accel_port, pdf, cookie),
        ("whitenoise", port, "/static/bench/issue.pdf", ""),
    ]
    print(f"\ndownloads of a {size / 1024:.0f} KiB PDF, requests/s (ratio to whitenoise)")
    print(f"{'path':<24}" + "".join(f"{f'c={c}':>18}" for c in (1, 8, 32)))
    # The paths take turns, DOWNLOAD_ROUNDS times at each concurrency, and
    # each keeps its median: a busy moment of the machine falls on one turn
    # of one path, not on all of one path's figures.
    results: dict[str, list[float]] = {name: [] for name, *_ in paths}
    for concurrency in (1, 8, 32):
        turns: dict[str, list[float]] = {name: [] for name, *_ in paths}
        for _ in range(DOWNLOAD_ROUNDS):
            for name, p, path, cookie in paths:
                turns[name].append(throughput(p, path, cookie, concurrency))
        for name, rates in turns.items():
            results[name].append(statistics.median(rates))
    for name, figures in results.items():
        cells = "".join(
            f"{rate:9.0f} ({rate / base:4.2f}x)"
            for rate, base in zip(figures, results["whitenoise"], strict=True)
        )
        print(f"{name:<24}{cells}")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("make bench-scale needs DATABASE_URL of a generate_load database on PostgreSQL.")
    issue = Issue.objects.filter(status=Status.PUBLISHED).first()
    assert issue is not None and issue.latest_edition is not None
    bench_dir = Path(settings.STATIC_ROOT) / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    with (
        issue.latest_edition.pdf_file.open("rb") as stored,
        open(bench_dir / "issue.pdf", "wb") as copy,
    ):
        shutil.copyfileobj(stored, copy)
    parts = sys.argv[1:] or ["pages", "downloads"]
    port, accel_port = free_port(), free_port()
    servers = [gunicorn(port), gunicorn(accel_port, NEWSROOM_DOWNLOADS="accel")]
    if "downloads" in parts:
        # The download view without prepared statements (as behind a pooler
        # in transaction mode), and signed links that ask the reader's grant.
        unprepared_port, checked_port = free_port(), free_port()
        servers += [
            gunicorn(unprepared_port, NEWSROOM_PREPARED_STATEMENTS="0"),
            gunicorn(checked_port, NEWSROOM_SIGNED_LINK_CHECKS_GRANT="1"),
        ]
    print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} before the run")
    try:
        if "pages" in parts:
            pages(port)
        if "downloads" in parts:
            downloads_bench(port, accel_port, unprepared_port, checked_port)
        print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} after the run")
    finally:
        for server in servers:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
