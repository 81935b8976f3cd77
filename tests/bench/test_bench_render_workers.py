"""Render workers only where renders run: the memory a web process carries
after many issue-builder visits, itself and the processes it started (a
render fork server, its resource tracker, workers), without renders, and
with a preview each visit through the render service (and without it).

    make bench   (or: pytest tests/bench/test_bench_render_workers.py -s)
"""

from __future__ import annotations

import os
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from issues.models.page_count import PageCount
from issues.publishing.publish import count_pages
from issues.rendering import documents
from issues.rendering import pool as render_pool
from issues.rendering import service as render_service
from tests import factories
from tests.bench.test_bench_render import build_issue
from tests.test_render_service import start_service, stop

VISITS = 200


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def as_a_fresh_gunicorn_worker() -> None:
    """No render workers, fork server or tracker from the benchmarks before."""
    render_pool.pool().close()
    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@pytest.mark.django_db
def test_web_process_memory_after_200_builder_visits() -> None:
    """A gunicorn worker's life: the builder page, then its page count (as
    the page's script asks for it), 200 times. The count is stored under
    the digest of the render's input, so only a process that renders it
    (here: none, it was counted before) needs render workers."""
    issue = build_issue(5, 1)
    editor = Client()
    editor.force_login(factories.make_editor("alice"))
    builder = reverse("issue_desk:issue_builder", args=[issue.pk])
    count = reverse("issue_desk:page_count", args=[issue.pk])
    # Counted once, by whichever process first asked (here: laid out in
    # this process, so that it starts no render worker).
    source = documents.document_input(issue)
    PageCount.objects.create(
        issue=issue,
        digest=documents.input_digest(source),
        pages=count_pages(documents.source_to_pdf(source)),
    )
    as_a_fresh_gunicorn_worker()
    before = {os.getpid(), *descendants(os.getpid())}
    baseline = rss_mb(os.getpid())
    for _ in range(VISITS):
        assert editor.get(builder).status_code == 200
        assert b"page" in editor.get(count).content
    children = [pid for pid in descendants(os.getpid()) if pid not in before]
    own = rss_mb(os.getpid())
    theirs = sum(rss_mb(pid) for pid in children)
    print(f"\nA web process after {VISITS} builder visits (load average {load_average()}):")
    print(f"  the process itself: {own:6.1f} MB RSS ({own - baseline:+.1f} MB over the visits)")
    print(f"  processes the visits started: {len(children)}, {theirs:6.1f} MB RSS")
    print(f"  together:           {own + theirs:6.1f} MB")


@pytest.mark.django_db
def test_web_process_memory_after_200_builder_visits_with_previews(tmp_path: Path) -> None:
    """200 builder visits, each with its page count and a PDF preview (a
    render every visit): with the render service running, the web process
    hands every render to it and starts nothing; without it (the fallback)
    the process starts a render pool of its own."""
    issue = build_issue(5, 1)
    editor = Client()
    editor.force_login(factories.make_editor("alice"))
    pages = [
        reverse("issue_desk:issue_builder", args=[issue.pk]),
        reverse("issue_desk:page_count", args=[issue.pk]),
        reverse("issue_desk:preview_pdf", args=[issue.pk]),
    ]
    socket = tmp_path / "render" / "render.sock"
    print(f"\nA web process after {VISITS} builder visits, each with a PDF preview:")
    for label in ("with the render service", "without it (a pool of its own)"):
        service = start_service(socket) if label.startswith("with the") else None
        try:
            with override_settings(NEWSROOM_RENDER_SOCKET=str(socket)):
                as_a_fresh_gunicorn_worker()
                render_service._drop_connection()
                before = [os.getpid(), *descendants(os.getpid())]
                editor.get(pages[2])  # a first render: the service's workers warm
                baseline = rss_mb(os.getpid())
                for _ in range(VISITS):
                    for page in pages:
                        response = editor.get(page)
                        assert response.status_code == 200, page
                    assert response.content.startswith(b"%PDF-")
                # Not the service's processes (this process started the
                # service, as systemd would on a real machine).
                pool = [service.pid, *descendants(service.pid)] if service else []
                children = [pid for pid in descendants(os.getpid()) if pid not in before + pool]
                own = rss_mb(os.getpid())
                theirs = sum(rss_mb(pid) for pid in children)
                print(f"  {label} (load average {load_average()}):")
                print(
                    f"    the process itself: {own:6.1f} MB RSS"
                    f" ({own - baseline:+.1f} MB over the visits)"
                )
                print(f"    processes it started: {len(children)}, {theirs:6.1f} MB RSS")
                if service is not None:
                    assert children == []
                    print(
                        f"    the render service and its workers: {len(pool)} processes,"
                        f" {sum(rss_mb(pid) for pid in pool):6.1f} MB RSS (one per machine)"
                    )
        finally:
            render_service._drop_connection()
            if service is not None:
                stop(service)
