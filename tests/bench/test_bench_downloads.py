"""Download throughput with counting on, as a ratio to counting off.

Each round downloads the stored PDF through the site's view (session,
permission check, file read, counter upsert) many times, alternating counting
off and on so that the machine's load falls on both alike. Target: the
ratio (downloads per second with counting / without) at least 0.95. Prints
the figures; asserts only that the downloads and the counts are right.

    make bench   (or: pytest tests/bench/test_bench_downloads.py -s)
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.reach import DownloadCount
from newsroom.models import Newsletter
from tests.issue_helpers import publish

ROUNDS = 7
DOWNLOADS_PER_ROUND = 200


def downloads_per_second(client: Client, url: str) -> float:
    start = time.perf_counter()
    for _ in range(DOWNLOADS_PER_ROUND):
        response = client.get(url)
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert response.status_code == 200 and body.startswith(b"%PDF")
    return DOWNLOADS_PER_ROUND / (time.perf_counter() - start)


def test_counting_keeps_download_throughput(
    settings: object, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob)
    url = reverse("issues:issue_pdf", args=[newsletter.slug, issue.number])
    client = Client()
    client.force_login(dave)
    settings.NEWSROOM_COUNT_DOWNLOADS = False  # type: ignore[attr-defined]
    downloads_per_second(client, url)  # warm up: the session, the file cache

    off, on = [], []
    for _ in range(ROUNDS):
        settings.NEWSROOM_COUNT_DOWNLOADS = False  # type: ignore[attr-defined]
        off.append(downloads_per_second(client, url))
        settings.NEWSROOM_COUNT_DOWNLOADS = True  # type: ignore[attr-defined]
        on.append(downloads_per_second(client, url))

    ratio = statistics.median(on) / statistics.median(off)
    print(
        f"\ndownloads/s, counting off: {statistics.median(off):.0f},"
        f" on: {statistics.median(on):.0f}; ratio {ratio:.3f} (target >= 0.95)"
    )
    assert DownloadCount.objects.get(user=dave).count == ROUNDS * DOWNLOADS_PER_ROUND
