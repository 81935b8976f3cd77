"""Download throughput with counting on, as a ratio to counting off.

The stored PDF is downloaded through the site's view (session, permission
check, file read, counting) in short batches, the three ways taking turns
(their order rotating each round) so that the machine's load, on a shared
machine, falls on all of them alike:

- counting off;
- counting on as the site counts under a WSGI server: in the worker's
  memory, written in one statement per flush (issues/readers/reach.py, `Tally`); the
  flush is timed with its batch, though a worker's thread does it aside;
- counting on with each download written at once (the test client's and
  management commands' way, and the site's before the tally).

Target: the second, as a ratio to the first, at least 0.95. Prints the
figures; asserts only that the downloads and the counts are right.

    make bench   (or: pytest tests/bench/test_bench_downloads.py -s)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.reach import DownloadCount
from issues.readers import reach
from issues.readers.reach import Tally
from newsroom.models import Newsletter
from tests.issue_helpers import publish

ROUNDS = 120
BATCH = 10


def timed_batch(client: Client, url: str, then: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(BATCH):
        response = client.get(url)
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert response.status_code == 200 and body.startswith(b"%PDF")
    then()
    return time.perf_counter() - start


def test_counting_keeps_download_throughput(
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
) -> None:
    # The worker's tally, flushed by this test (its thread would use another
    # connection, which the test's transaction does not see).
    tally = Tally()
    monkeypatch.setattr(Tally, "_run", lambda self: None)
    monkeypatch.setattr(reach, "tally", tally)
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob)
    url = reverse("issues:issue_pdf", args=[newsletter.slug, issue.number])
    client = Client()
    client.force_login(dave)

    def way(counting: bool, buffering: bool) -> Callable[[], float]:
        def batch() -> float:
            settings.NEWSROOM_COUNT_DOWNLOADS = counting  # type: ignore[attr-defined]
            tally.buffering = buffering
            return timed_batch(client, url, then=tally.flush)

        return batch

    ways = {"off": way(False, False), "buffered": way(True, True), "at once": way(True, False)}
    ways["off"]()  # warm up: the session, the file cache
    seconds = dict.fromkeys(ways, 0.0)
    names = list(ways)
    for turn in range(ROUNDS):
        for name in names[turn % 3 :] + names[: turn % 3]:
            seconds[name] += ways[name]()

    per_second = {name: ROUNDS * BATCH / total for name, total in seconds.items()}
    print(
        f"\ndownloads/s over {ROUNDS * BATCH} each: counting off {per_second['off']:.0f},"
        f" on as under a WSGI server (buffered) {per_second['buffered']:.0f},"
        f" on with each download written at once {per_second['at once']:.0f}."
        f" Ratio to off: buffered {per_second['buffered'] / per_second['off']:.3f}"
        f" (target >= 0.95), at once {per_second['at once'] / per_second['off']:.3f}"
    )
    assert DownloadCount.objects.get(user=dave).count == 2 * ROUNDS * BATCH
