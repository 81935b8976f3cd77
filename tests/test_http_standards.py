"""HTTP as clients expect it: Range requests on every PDF download path
(RFC 9110: 206, 416, Accept-Ranges, If-Range), and private addresses kept
out of search engines (X-Robots-Tag: noindex)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.invitations import IssueInvitation
from issues.models.reach import DownloadCount
from issues.readers import downloads
from issues.readers.mail_optout import unsubscribe_path
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.review.invitations import invite
from tests import factories
from tests.issue_helpers import publish


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


def stored(issue: Issue) -> bytes:
    with issue.latest_edition.pdf_file.open("rb") as f:
        return f.read()


def body(response: object) -> bytes:
    streamed = getattr(response, "streaming_content", None)
    return b"".join(streamed) if streamed is not None else response.content  # type: ignore[attr-defined]


def download_paths(issue: Issue, dave: User) -> dict[str, tuple[Client, str]]:
    """Every way to the PDF, each with the client that may take it."""
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)
    return {
        "download view": (
            factories.client_for(dave),
            reverse("issues:issue_pdf", args=["ict", issue.number]),
        ),
        "edition": (
            factories.client_for(dave),
            reverse("issues:edition_pdf", args=["ict", issue.number, 1]),
        ),
        "signed link": (Client(), downloads.signed_pdf_url(issue, dave.pk)),
        "private feed": (
            Client(),
            reverse("issues:private_pdf", args=[token.key, "ict", issue.number]),
        ),
    }


def test_every_download_path_answers_a_range_with_206(issue: Issue, dave: User) -> None:
    pdf = stored(issue)
    for name, (client, path) in download_paths(issue, dave).items():
        whole = client.get(path)
        assert (whole.status_code, whole["Accept-Ranges"]) == (200, "bytes"), name
        assert body(whole) == pdf, name

        part = client.get(path, headers={"range": "bytes=100-199"})

        assert part.status_code == 206, name
        assert part["Content-Range"] == f"bytes 100-199/{len(pdf)}", name
        assert part["Content-Length"] == "100", name
        assert part["Content-Type"] == "application/pdf", name
        assert body(part) == pdf[100:200], name


def test_open_and_suffix_ranges(client: Client, issue: Issue, dave: User) -> None:
    pdf, reader = stored(issue), factories.client_for(dave)
    path = reverse("issues:issue_pdf", args=["ict", issue.number])

    tail = reader.get(path, headers={"range": f"bytes={len(pdf) - 10}-"})
    last = reader.get(path, headers={"range": "bytes=-25"})
    beyond = reader.get(path, headers={"range": "bytes=0-99999999"})

    assert (tail.status_code, body(tail)) == (206, pdf[-10:])
    assert (last.status_code, body(last)) == (206, pdf[-25:])
    assert last["Content-Range"] == f"bytes {len(pdf) - 25}-{len(pdf) - 1}/{len(pdf)}"
    # The whole file asked for as a range is simply the file.
    assert (beyond.status_code, body(beyond)) == (200, pdf)


def test_a_range_beyond_the_end_is_416(issue: Issue, dave: User) -> None:
    size = len(stored(issue))
    reader = factories.client_for(dave)
    path = reverse("issues:issue_pdf", args=["ict", issue.number])

    refused = reader.get(path, headers={"range": f"bytes={size}-"})

    assert refused.status_code == 416
    assert refused["Content-Range"] == f"bytes */{size}"
    assert b"not within the file" in refused.content


def test_a_range_for_an_older_copy_gets_the_whole_current_file(issue: Issue, dave: User) -> None:
    pdf, reader = stored(issue), factories.client_for(dave)
    path = reverse("issues:issue_pdf", args=["ict", issue.number])
    etag = reader.get(path)["ETag"]

    stale = reader.get(path, headers={"range": "bytes=0-9", "if-range": '"an-older-sha"'})
    current = reader.get(path, headers={"range": "bytes=0-9", "if-range": etag})
    several = reader.get(path, headers={"range": "bytes=0-9,20-29"})

    assert (stale.status_code, body(stale)) == (200, pdf)
    assert (current.status_code, body(current)) == (206, pdf[:10])
    assert (several.status_code, body(several)) == (200, pdf)


def test_a_range_tells_a_stranger_nothing(issue: Issue) -> None:
    stranger = factories.client_for(factories.make_subscriber("eve"))
    path = reverse("issues:issue_pdf", args=["ict", issue.number])

    assert stranger.get(path, headers={"range": "bytes=0-9"}).status_code == 404


def test_a_viewer_reading_in_ranges_counts_one_download(issue: Issue, dave: User) -> None:
    reader = factories.client_for(dave)
    path = reverse("issues:issue_pdf", args=["ict", issue.number])

    for wanted in ("bytes=0-1023", "bytes=1024-2047", "bytes=-512"):
        body(reader.get(path, headers={"range": wanted}))

    assert DownloadCount.objects.aggregate(n=Sum("count"))["n"] == 1


def test_private_addresses_ask_search_engines_not_to_list_them(
    issue: Issue, dave: User, alice: User, bob: User, newsletter: Newsletter
) -> None:
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)
    key = PrivateAddressKey.objects.create(purpose=Purpose.CALENDAR, user=alice)
    draft = factories.make_issue(newsletter=newsletter, created_by=alice, number=8)
    review = invite(IssueInvitation, subject=draft, email="partner@ngo.example", by=bob)
    private = {
        "private feed": reverse("issues:private_feed", args=[token.key, "ict"]),
        "private feed PDF": reverse("issues:private_pdf", args=[token.key, "ict", issue.number]),
        "signed link": downloads.signed_pdf_url(issue, dave.pk),
        "calendar": reverse("desk:calendar_feed", args=[key.key]),
        "outside review": f"/review/issue/{draft.pk}/{review.token()}/",
        "unsubscribe": unsubscribe_path(dave.pk, newsletter.pk),
    }
    for name, path in private.items():
        response = Client().get(path)
        assert response.status_code == 200, name
        assert response["X-Robots-Tag"] == "noindex", name
    # A public page is left to the search engines.
    assert "X-Robots-Tag" not in Client().get("/feeds/ict.atom")
