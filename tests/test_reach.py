"""Reach: downloads counted on our own server, per edition, day, reader and way in."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues.models import Issue
from issues.models.reach import DownloadCount
from issues.readers import downloads
from issues.readers.reach import count_download
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import publish


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=9)


def pdf_url(issue: Issue) -> str:
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


def counts(**filters: object) -> list[tuple[object, ...]]:
    return list(
        DownloadCount.objects.filter(**filters)
        .order_by("pk")
        .values_list("edition__number", "user__username", "document", "channel", "count", "day")
    )


def test_a_pdf_download_on_the_site_is_counted_for_the_reader_and_the_day(
    issue: Issue, dave: User
) -> None:
    client = client_for(dave)
    b"".join(client.get(pdf_url(issue)).streaming_content)
    b"".join(client.get(pdf_url(issue)).streaming_content)
    today = timezone.localdate()
    assert counts() == [(1, "dave", "pdf", "site", 2, today)]


def test_a_head_request_or_a_304_is_not_a_download(issue: Issue, dave: User) -> None:
    client = client_for(dave)
    assert client.head(pdf_url(issue)).status_code == 200
    etag = f'"{issue.latest_edition.pdf_sha256}"'
    assert client.get(pdf_url(issue), headers={"if-none-match": etag}).status_code == 304
    assert counts() == []


def test_the_html_document_and_an_earlier_edition_are_counted_apart(
    issue: Issue, dave: User
) -> None:
    client = client_for(dave)
    args = [issue.newsletter.slug, issue.number]
    client.get(reverse("issues:issue_html", args=args))
    b"".join(client.get(reverse("issues:edition_pdf", args=[*args, 1])).streaming_content)
    assert [row[:5] for row in counts()] == [
        (1, "dave", "html", "site", 1),
        (1, "dave", "pdf", "site", 1),
    ]


def test_a_private_feed_download_is_counted_for_the_key_owner(issue: Issue, dave: User) -> None:
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)
    url = reverse("issues:private_pdf", args=[token.key, issue.newsletter.slug, issue.number])
    b"".join(Client().get(url).streaming_content)
    assert [row[:5] for row in counts()] == [(1, "dave", "pdf", "feed", 1)]


def test_a_signed_link_on_the_archive_counts_for_the_reader_it_was_shown_to(
    issue: Issue, dave: User, settings: Any
) -> None:
    settings.NEWSROOM_SIGNED_LINKS = True
    archive = client_for(dave).get(reverse("issues:archive")).content.decode()
    link = re.search(r'href="(/issues/download/[^"]+\.pdf)"', archive)
    assert link is not None

    fetch(Client(), link.group(1))  # no session: the link is the permission

    assert [row[:5] for row in counts()] == [(1, "dave", "pdf", "link", 1)]


def fetch(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (200, 302), url
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["stream", "accel", "sendfile"])
def test_every_way_in_is_counted_whoever_sends_the_bytes(
    issue: Issue, dave: User, settings: Any, mode: str
) -> None:
    """Python streaming the file, or nginx / Apache sending it after the
    view's X-Accel-Redirect / X-Sendfile: the view counts either way (the
    redirect to a bucket's signed URL is counted in tests/test_s3_artifacts.py)."""
    settings.NEWSROOM_DOWNLOADS = mode
    settings.NEWSROOM_ACCEL_PREFIX = "/protected-artifacts/"
    args = [issue.newsletter.slug, issue.number]
    key = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave).key
    reader = client_for(dave)

    fetch(reader, pdf_url(issue))
    fetch(reader, reverse("issues:edition_pdf", args=[*args, 1]))
    fetch(reader, reverse("issues:issue_html", args=args))
    fetch(Client(), reverse("issues:private_pdf", args=[key, *args]))
    fetch(Client(), downloads.signed_pdf_url(issue, dave.pk))

    assert sorted((row[1:5] for row in counts()), key=str) == sorted(
        [
            ("dave", "pdf", "site", 2),
            ("dave", "html", "site", 1),
            ("dave", "pdf", "feed", 1),
            ("dave", "pdf", "link", 1),
        ],
        key=str,
    )


def test_a_refused_download_counts_nothing(issue: Issue) -> None:
    stranger = factories.make_user("mallory")
    assert client_for(stranger).get(pdf_url(issue)).status_code == 404
    assert counts() == []


def test_an_unknown_reader_is_counted_in_one_anonymous_row(issue: Issue) -> None:
    edition = issue.latest_edition
    for _ in range(3):
        count_download(edition, user=None, document="pdf", channel="link")  # type: ignore[arg-type]
    assert [row[1:5] for row in counts()] == [(None, "pdf", "link", 3)]


def test_counting_can_be_switched_off(issue: Issue, dave: User, settings: object) -> None:
    settings.NEWSROOM_COUNT_DOWNLOADS = False  # type: ignore[attr-defined]
    b"".join(client_for(dave).get(pdf_url(issue)).streaming_content)
    assert counts() == []


def test_the_desk_sees_downloads_over_time_and_the_share_of_subscribers(
    issue: Issue, dave: User, carol: User, newsletter: Newsletter
) -> None:
    factories.make_subscriber("gina", newsletter)  # subscribed, never downloaded
    b"".join(client_for(dave).get(pdf_url(issue)).streaming_content)
    b"".join(client_for(carol).get(pdf_url(issue)).streaming_content)  # desk, not a subscriber

    page = client_for(carol).get(reverse("issue_desk:issue_reach", args=[issue.pk]))

    html = page.content.decode()
    assert '<svg class="reach-chart img-fluid" role="img"' in html
    assert 'data-testid="total">2<' in html
    assert 'data-testid="share">50%<' in html and "1 of 2<" in html
    assert "no. 9: 2" in html  # the trend bar's title
    assert 'data-testid="unknown"' not in html
    # A link made before links named their reader: the share is a floor, and
    # the page says so.
    count_download(issue.latest_edition, user=None, document="pdf", channel="link")  # type: ignore[arg-type]
    html = client_for(carol).get(reverse("issue_desk:issue_reach", args=[issue.pk])).content
    assert "and 1 download by a signed link that names no reader" in html.decode()
    assert "1 of 2, at least" in html.decode()


def test_reach_is_for_the_desk_only(issue: Issue, dave: User) -> None:
    client = client_for(dave)
    assert client.get(reverse("issue_desk:issue_reach", args=[issue.pk])).status_code == 403
    assert client.get(reverse("issue_desk:issue_reach_csv", args=[issue.pk])).status_code == 403
    url = reverse("issue_desk:newsletter_reach_csv", args=[issue.newsletter.slug])
    assert client.get(url).status_code == 403


def read_csv(response: object) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body)))


def test_the_desk_exports_an_issues_and_a_newsletters_reach_as_streaming_csv(
    issue: Issue, dave: User, carol: User, newsletter: Newsletter, alice: User, bob: User
) -> None:
    older = issue
    newer = publish(newsletter, editor=alice, reviewer=bob, number=10, headlines=("Two",))
    for each in (older, newer):
        b"".join(client_for(dave).get(pdf_url(each)).streaming_content)
    desk = client_for(carol)

    response = desk.get(reverse("issue_desk:issue_reach_csv", args=[newer.pk]))

    assert response.streaming and response["Content-Type"].startswith("text/csv")
    today = str(timezone.localdate())
    assert read_csv(response) == [
        [
            "newsletter",
            "issue",
            "edition",
            "day",
            "reader",
            "email",
            "document",
            "channel",
            "downloads",
        ],
        ["ict", "10", "1", today, "dave", "dave@example.org", "pdf", "site", "1"],
    ]
    whole = read_csv(desk.get(reverse("issue_desk:newsletter_reach_csv", args=["ict"])))
    assert [row[1] for row in whole[1:]] == ["9", "10"]


def test_a_subscriber_sees_and_exports_their_own_history_and_nobody_elses(
    issue: Issue, dave: User, newsletter: Newsletter
) -> None:
    erik = factories.make_subscriber("erik", newsletter)
    b"".join(client_for(dave).get(pdf_url(issue)).streaming_content)
    b"".join(client_for(erik).get(pdf_url(issue)).streaming_content)
    b"".join(client_for(erik).get(pdf_url(issue)).streaming_content)

    client = client_for(dave)
    page = client.get(reverse("issues:account")).content.decode()
    assert 'data-testid="downloads"' in page and "no. 9" in page
    rows = read_csv(client.get(reverse("issues:downloads_csv")))
    assert [row[4:] for row in rows[1:]] == [["dave", "dave@example.org", "pdf", "site", "1"]]
    assert "erik" not in page


def test_the_reach_page_of_an_issue_nobody_downloaded_says_so(issue: Issue, carol: User) -> None:
    page = client_for(carol).get(reverse("issue_desk:issue_reach", args=[issue.pk]))
    assert "No downloads yet." in page.content.decode()
    assert 'data-testid="share">0%<' in page.content.decode()


def test_a_reader_named_like_a_formula_is_exported_as_text_not_a_formula(
    issue: Issue, newsletter: Newsletter, carol: User
) -> None:
    """CSV injection: the desk opens exports in a spreadsheet, which would run
    a cell beginning with =, +, -, @, tab or carriage return as a formula."""
    mallory = factories.make_subscriber("-2+3", newsletter)
    mallory.email = "=cmd|'/Cnotepad'!A0@example.org"
    mallory.save(update_fields=["email"])
    b"".join(client_for(mallory).get(pdf_url(issue)).streaming_content)

    rows = read_csv(client_for(carol).get(reverse("issue_desk:issue_reach_csv", args=[issue.pk])))
    mine = read_csv(client_for(mallory).get(reverse("issues:downloads_csv")))

    for exported in (rows, mine):
        assert exported[1][4:6] == ["'-2+3", "'=cmd|'/Cnotepad'!A0@example.org"]
        # The count stays a number (a negative number would too).
        assert exported[1][8] == "1"
