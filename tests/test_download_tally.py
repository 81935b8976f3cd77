"""Downloads counted in memory and written in bulk, as under a WSGI server
(issues/readers/reach.py, `Tally`). Dave subscribes to the ICT newsletter."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from issues.models import Issue
from issues.models.reach import Channel, Document, DownloadCount
from issues.readers import reach
from issues.readers.reach import Tally
from newsroom.models import Newsletter
from tests.factories import client_for
from tests.issue_helpers import publish


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=9)


@pytest.fixture
def tally(monkeypatch: pytest.MonkeyPatch) -> Tally:
    """A tally that buffers, as the layer in front of the site
    (reach.counted_in_memory) makes the site's own."""
    buffered = Tally(interval=0.2)
    buffered.buffer()
    monkeypatch.setattr(reach, "tally", buffered)
    return buffered


def counts() -> list[tuple[object, ...]]:
    return list(
        DownloadCount.objects.order_by("channel", "user__username").values_list(
            "user__username", "channel", "count", "day"
        )
    )


def download(issue: Issue, reader: User, times: int) -> None:
    client = client_for(reader)
    for _ in range(times):
        b"".join(
            client.get(f"/issues/{issue.newsletter.slug}/{issue.number}.pdf").streaming_content
        )


def test_buffered_downloads_arrive_in_one_write_per_flush(
    issue: Issue, dave: User, tally: Tally, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Tally, "_run", lambda self: None)  # this test flushes itself
    edition = issue.latest_edition
    assert edition is not None
    download(issue, dave, 3)
    reach.count(edition.pk, user_id=None, document=Document.PDF, channel=Channel.LINK)
    reach.count(edition.pk, user_id=None, document=Document.PDF, channel=Channel.LINK)
    assert counts() == []  # nothing written during the downloads

    tally.flush()
    today = timezone.localdate()
    assert counts() == [(None, "link", 2, today), ("dave", "site", 3, today)]

    download(issue, dave, 2)
    tally.flush()
    tally.flush()  # nothing new: writes nothing
    assert counts() == [(None, "link", 2, today), ("dave", "site", 5, today)]


@pytest.mark.django_db(transaction=True)  # the foreign keys are checked at commit
def test_counts_the_database_refuses_are_dropped_and_the_others_kept(
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
    tally: Tally,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Tally, "_run", lambda self: None)
    issue = publish(newsletter, editor=alice, reviewer=bob, number=9)
    edition = issue.latest_edition
    assert edition is not None
    reach.count(edition.pk, user_id=dave.pk, document=Document.PDF, channel=Channel.SITE)
    # A reader who left before the flush: their row can no longer be written.
    reach.count(edition.pk, user_id=10_000, document=Document.PDF, channel=Channel.SITE)

    tally.flush()

    assert counts() == [("dave", "site", 1, timezone.localdate())]


@pytest.mark.django_db(transaction=True)
def test_the_tallys_thread_writes_the_counts_within_a_moment(
    newsletter: Newsletter, alice: User, bob: User, dave: User, tally: Tally
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=9)
    download(issue, dave, 4)

    today = timezone.localdate()
    deadline = time.monotonic() + 10
    while counts() != [("dave", "site", 4, today)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counts() == [("dave", "site", 4, today)]

    download(issue, dave, 1)
    tally.close()  # as at the worker's exit: the thread stops, the rest is written
    assert counts() == [("dave", "site", 5, today)]


def test_a_backlog_larger_than_one_statement_is_written_whole(
    issue: Issue, dave: User, tally: Tally, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Tally, "_run", lambda self: None)
    monkeypatch.setattr(reach, "ROWS_PER_STATEMENT", 2)
    edition = issue.latest_edition
    assert edition is not None
    for channel in (Channel.SITE, Channel.FEED, Channel.LINK):
        for _ in range(2):
            reach.count(edition.pk, user_id=dave.pk, document=Document.PDF, channel=channel)
            reach.count(edition.pk, user_id=None, document=Document.PDF, channel=channel)

    tally.flush()

    assert DownloadCount.objects.count() == 6
    assert {row.count for row in DownloadCount.objects.all()} == {2}
