"""`make bench-scale`: desk and archive pages, and downloads, at scale.

Needs DATABASE_URL pointing at a PostgreSQL database filled by
`manage.py generate_load` (see docs/benchmarks.md), and for the pages
BENCH_DEMO_DATABASE_URL at a small one (docs/benchmarks-pages.md). Starts
gunicorn (2 workers) on loopback, then prints for every page that lists or
searches the p50/p95 over HTTP on the demo and the large data side by side,
the growth and the queries it runs (flagging a p95 that grows more than 1.5x
or passes 100 ms), and the download throughput at concurrency 1/8/32 for the
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

from issues.models import Issue, Subscription  # noqa: E402
from issues.models.licences import Organisation  # noqa: E402
from issues.readers import downloads  # noqa: E402
from newsroom.models.private_addresses import PrivateAddressKey, Purpose  # noqa: E402
from newsroom.review.workflow import Status  # noqa: E402
from tests.bench.serving import free_port, session_for  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
# Untimed requests per page first, in pairs sent at once so that each of the
# two gunicorn workers serves the page (imports, URL patterns, templates)
# before it is timed: sent one after another, they could all reach one
# worker, and the other's first request, 100 ms and more, was a timed one.
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


# Pages are flagged when their p95 grows more than this from the demo data
# to the large data, or passes PAGE_BUDGET_MS on the large data.
GROWTH_LIMIT = 1.5
PAGE_BUDGET_MS = 100.0
# In the demo data as in the large one: a word of one story (the headline's
# number of the 138th generated story), a word of most, a word of none.
RARE_WORD, COMMON_WORD, MISSING_WORD = "137", "satellite", "zeppelin"


def demo_database(url: str) -> str:
    """Register the demo database (BENCH_DEMO_DATABASE_URL) as "demo"."""
    import environ
    from django.db import connections

    parsed = environ.Env.db_url_config(url)
    connections.settings["demo"] = {
        **connections.settings["default"],
        **{
            key: parsed[key]
            for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")
            if key in parsed
        },
    }
    return "demo"


def signed_in(alias: str, user: User) -> str:
    """A session in database `alias` in which `user` is signed in."""
    if alias == "default":
        return session_for(user)
    import datetime

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    data = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: "newsroom.security.accounts.AccountBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    Session.objects.using(alias).create(
        session_key=key,
        session_data=SessionStore().encode(data),
        expire_date=timezone.now() + datetime.timedelta(days=1),
    )
    return key


def page_list(alias: str) -> list[tuple[str, str, str]]:
    """Every page that lists or searches: (name, cookie, path) in `alias`."""
    import datetime

    from django.utils import timezone

    users = User.objects.using(alias)
    editor = users.get(username="load-r1-editor-1")
    reviewer = users.get(username="load-r1-reviewer-1")
    publisher = users.get(username="load-r1-publisher")
    sub = Subscription.objects.using(alias).select_related("user", "newsletter").order_by("pk")[0]
    issues = Issue.objects.using(alias).order_by("pk")
    draft = issues.filter(status=Status.DRAFT)[0]
    published = issues.filter(status=Status.PUBLISHED, newsletter=sub.newsletter).last()
    assert published is not None
    organisation = Organisation.objects.using(alias).order_by("pk")[0]
    contact = organisation.contacts.order_by("pk")[0]
    people = (editor, reviewer, sub.user, publisher, contact)
    cookie = {u.pk: signed_in(alias, u) for u in people}
    ed, rv, rd, pb, ct = (cookie[u.pk] for u in people)
    keys = PrivateAddressKey.objects.using(alias)
    feed_key = keys.get_or_create(user=sub.user, purpose=Purpose.FEED)[0].key
    calendar_key = keys.get_or_create(user=editor, purpose=Purpose.CALENDAR)[0].key
    newsletter = sub.newsletter
    year_ago = (timezone.localdate() - datetime.timedelta(weeks=52)).isoformat()
    builder = f"/desk/issues/{draft.pk}/"
    # The same organisation on both databases: the first one's name.
    audience = "/desk/issues/audience/"
    named = "organisation%2000001"
    return [
        ("editor's dashboard", ed, "/desk/"),
        ("reviewer's dashboard", rv, "/desk/"),
        ("story list", ed, "/desk/stories/"),
        ("story list, author+status", ed, f"/desk/stories/?author={editor.pk}&status=draft"),
        ("story search, rare word", ed, f"/desk/stories/?q={RARE_WORD}"),
        ("story search, common word", ed, f"/desk/stories/?q={COMMON_WORD}"),
        ("story search, missing word", ed, f"/desk/stories/?q={MISSING_WORD}"),
        ("review queue", rv, "/desk/review/"),
        ("sources", ed, "/desk/sources/"),
        ("source names, prefix", ed, "/desk/sources/names/?q=load-r1-source%200001"),
        ("source names, within", ed, "/desk/sources/names/?q=source%20001"),
        ("desk issue list", ed, "/desk/issues/"),
        ("issue builder", ed, builder),
        ("issue builder, search", ed, f"{builder}?q={COMMON_WORD}"),
        ("issue reach", ed, f"/desk/issues/{published.pk}/reach/"),
        ("calendar", ed, "/desk/calendar/"),
        ("calendar, newsletter", ed, f"/desk/calendar/?newsletter={newsletter.pk}"),
        ("calendar, person", ed, f"/desk/calendar/?person={editor.pk}"),
        ("calendar, a year ago", ed, f"/desk/calendar/?week={year_ago}"),
        (
            "calendar, every filter",
            ed,
            f"/desk/calendar/?newsletter={newsletter.pk}&person={reviewer.pk}&week={year_ago}",
        ),
        ("calendar feed", "", f"/desk/calendar/{calendar_key}.ics"),
        ("audience", pb, audience),
        ("audience, newsletter", pb, f"{audience}?newsletter={newsletter.pk}"),
        ("audience, current", pb, f"{audience}?show=current"),
        ("audience, ending", pb, f"{audience}?show=ending"),
        ("audience, ended", pb, f"{audience}?show=lapsed"),
        ("audience, never", pb, f"{audience}?show=never"),
        ("audience, search", pb, f"{audience}?q={named}"),
        (
            "audience, every filter",
            pb,
            f"{audience}?newsletter={newsletter.pk}&show=never&q={named}",
        ),
        ("organisation, contact", ct, f"/accounts/organisations/{organisation.pk}/"),
        ("organisation, publisher", pb, f"/accounts/organisations/{organisation.pk}/"),
        ("home page", rd, "/"),
        ("home page, stranger", "", "/"),
        ("account page", rd, "/accounts/profile/"),
        ("public feed", "", f"/feeds/{newsletter.slug}.atom"),
        ("private feed", "", f"/feeds/private/{feed_key}/{newsletter.slug}.atom"),
        ("archive", rd, "/issues/"),
        ("archive, one newsletter", rd, f"/issues/?newsletter={newsletter.slug}"),
        ("archive search, common", rd, f"/issues/?q={COMMON_WORD}"),
        ("archive search, rare", rd, f"/issues/?q={RARE_WORD}"),
        ("issue page", rd, published.get_absolute_url()),
    ]


def timed(port: int, path: str, cookie: str) -> float:
    started = time.perf_counter()
    code, _ = get(port, path, cookie)
    assert code == 200, (path, code)
    return (time.perf_counter() - started) * 1000


def queries_of(path: str, cookie: str) -> int:
    client = Client()
    client.cookies["sessionid"] = cookie
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path, HTTP_HOST="localhost").status_code
    assert status == 200, (path, status)
    return len(queries.captured_queries)


# The machine's speed, to compare figures from different machines: a fixed
# pure-Python loop, and a fixed Django template (a table of 100 rows with a
# filter each) rendered TEMPLATE_RENDERS times; each the best of three.
LOOP_STEPS = 2_000_000
TEMPLATE_RENDERS = 200
SPEED_TEMPLATE = (
    "<table>{% for row in rows %}<tr><td>{{ row.name|title }}</td>"
    "<td>{{ row.share|floatformat:2 }}</td><td>{% if row.even %}even{% endif %}</td></tr>"
    "{% endfor %}</table>"
)


def machine_speed() -> str:
    from django.template import Context, Engine

    def loop() -> None:
        total = 0
        for step in range(LOOP_STEPS):
            total += step % 7

    template = Engine().from_string(SPEED_TEMPLATE)
    rows = [{"name": f"reader {n}", "share": n / 7, "even": n % 2 == 0} for n in range(100)]

    def render() -> None:
        for _ in range(TEMPLATE_RENDERS):
            template.render(Context({"rows": rows}))

    def best(work: Any) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        return min(times)

    return (
        f"machine speed: Python loop of {LOOP_STEPS:,} steps {best(loop):.0f} ms, template"
        f" of 100 rows rendered {TEMPLATE_RENDERS} times {best(render):.0f} ms (best of 3;"
        f" lower is faster)"
    )


def pages(port: int) -> None:
    """Each page on the large data (DATABASE_URL) and, given
    BENCH_DEMO_DATABASE_URL, on the demo data too: the two servers take
    turns request by request, so a busy moment of the machine falls on both."""
    print(machine_speed())
    demo_url = os.environ.get("BENCH_DEMO_DATABASE_URL", "")
    large = page_list("default")
    demo = page_list(demo_database(demo_url)) if demo_url else None
    demo_server = gunicorn(demo_port := free_port(), DATABASE_URL=demo_url) if demo else None
    try:
        flagged = page_figures(port, large, demo_port if demo else None, demo)
    finally:
        if demo_server:
            demo_server.terminate()
            demo_server.wait()
    if flagged:
        limits = f"p95 grows > {GROWTH_LIMIT}x or > {PAGE_BUDGET_MS:.0f} ms"
        print(f"FLAGGED ({limits}): {', '.join(flagged)}")
    else:
        print(f"no page flagged (p95 growth <= {GROWTH_LIMIT}x and <= {PAGE_BUDGET_MS:.0f} ms)")


def page_figures(
    port: int,
    large: list[tuple[str, str, str]],
    demo_port: int | None,
    demo: list[tuple[str, str, str]] | None,
) -> list[str]:
    debug = "on" if settings.DEBUG else "off"
    print(f"\npages ({ROUNDS} requests each, gunicorn 2 workers, debug {debug})")
    print(
        f"{'page':<28} {'demo p50':>8} {'p95':>6} {'large p50':>9} {'p95':>6}"
        f" {'growth p50':>10} {'p95':>6} {'queries':>7}"
    )
    # A first pass over every page before any is timed: a worker's first
    # requests also open its database connection and prepare the queries
    # every page asks (the session, the account, its permissions), which
    # otherwise fell on the first page timed (a p95 of 110 ms against 42 ms
    # for the same page timed later).
    for index, (_, cookie, path) in enumerate(large):
        warm_up(port, path, cookie)
        if demo is not None and demo_port is not None:
            warm_up(demo_port, demo[index][2], demo[index][1])
    flagged = []
    for index, (name, cookie, path) in enumerate(large):
        turns = [(port, path, cookie)]
        if demo is not None and demo_port is not None:
            turns.append((demo_port, demo[index][2], demo[index][1]))
        for p, each_path, each_cookie in turns:
            warm_up(p, each_path, each_cookie)
        times: list[list[float]] = [[] for _ in turns]
        for _ in range(ROUNDS):
            for n, (p, each_path, each_cookie) in enumerate(turns):
                times[n].append(timed(p, each_path, each_cookie))
        big50, big95 = statistics.median(times[0]), percentile(times[0], 0.95)
        cells = f"{'':>8} {'':>6} {big50:9.1f} {big95:6.1f} {'':>10} {'':>6}"
        flag = big95 > PAGE_BUDGET_MS
        if len(times) == 2:
            small50, small95 = statistics.median(times[1]), percentile(times[1], 0.95)
            growth50, growth95 = big50 / small50, big95 / small95
            flag = flag or growth95 > GROWTH_LIMIT
            cells = (
                f"{small50:8.1f} {small95:6.1f} {big50:9.1f} {big95:6.1f}"
                f" {growth50:9.2f}x {growth95:5.2f}x"
            )
        print(f"{name:<28} {cells} {queries_of(path, cookie):7d}{'  <-' if flag else ''}")
        if flag:
            flagged.append(name)
    return flagged


def warm_up(port: int, path: str, cookie: str) -> None:
    for _ in range(WARM_UP):
        pair = [threading.Thread(target=get, args=(port, path, cookie)) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join()


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
