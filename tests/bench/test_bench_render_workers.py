"""Render workers only where renders run: the memory a web process carries
after many issue-builder visits, itself and the processes it started (a
render fork server, its resource tracker, workers).

    make bench   (or: pytest tests/bench/test_bench_render_workers.py -s)
"""

from __future__ import annotations

import os
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from issues.models.page_count import PageCount
from issues.publishing.publish import count_pages
from issues.rendering import documents
from issues.rendering import pool as render_pool
from tests import factories
from tests.bench.test_bench_render import build_issue

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
    # As a fresh gunicorn worker: no render workers from the benchmarks before.
    render_pool.pool().close()
    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
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
