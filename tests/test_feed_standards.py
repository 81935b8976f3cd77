"""The Atom feeds as other people's software reads them (RFC 4287, feedparser):
authors, permanent and distinct ids, conditional GET, escaped text."""

from __future__ import annotations

import feedparser
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue, Subscription
from issues.publishing.publish import publish_issue
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.issue_helpers import make_issue_in_review, pdf_text, publish

SITE = "https://news.example.org"


@pytest.fixture(autouse=True)
def site_address(settings: object) -> None:
    settings.NEWSROOM_SITE_URL = SITE  # type: ignore[attr-defined]
    settings.NEWSROOM_PUBLISHER = "Harbour Media"  # type: ignore[attr-defined]


@pytest.fixture
def energy(db: None) -> Newsletter:
    return factories.make_newsletter(title="Energy", slug="energy")


@pytest.fixture
def published(newsletter: Newsletter, energy: Newsletter, alice: User, bob: User) -> list[Issue]:
    return [
        publish(newsletter, editor=alice, reviewer=bob, number=3),
        publish(energy, editor=alice, reviewer=bob, number=1, headlines=("Wind farm opens",)),
    ]


def read(response: object) -> feedparser.FeedParserDict:
    assert response.status_code == 200  # type: ignore[attr-defined]
    parsed = feedparser.parse(response.content)  # type: ignore[attr-defined]
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def private_feed_path(user: User, slug: str) -> str:
    token, _ = PrivateAddressKey.objects.get_or_create(purpose=Purpose.FEED, user=user)
    return reverse("issues:private_feed", args=[token.key, slug])


def test_feedparser_reads_each_feed_without_complaint_and_finds_the_authors(
    client: Client, published: list[Issue], dave: User
) -> None:
    for path in ("/feeds/ict.atom", "/feeds/energy.atom", private_feed_path(dave, "ict")):
        parsed = read(client.get(path))
        assert parsed.version == "atom10"
        assert parsed.feed.author_detail.name == "Harbour Media"
        assert parsed.feed.author_detail.href == f"{SITE}/"
        [entry] = parsed.entries
        assert entry.author_detail.name == "Harbour Media"
        assert entry.id.startswith("tag:news.example.org,")
        assert entry.updated_parsed is not None


def test_each_feed_has_its_own_permanent_id(
    client: Client, published: list[Issue], dave: User, energy: Newsletter
) -> None:
    year = Newsletter.objects.get(slug="ict").created_at.year
    ict = read(client.get("/feeds/ict.atom")).feed.id
    other = read(client.get("/feeds/energy.atom")).feed.id
    private = read(client.get(private_feed_path(dave, "ict"))).feed.id

    assert ict == f"tag:news.example.org,{year}:feeds/ict"
    assert private == f"tag:news.example.org,{year}:feeds/private/{dave.pk}/ict"
    assert len({ict, other, private}) == 3
    # A new private address (the old one leaked) is still the same feed.
    PrivateAddressKey.objects.filter(purpose=Purpose.FEED, user=dave).delete()
    assert read(client.get(private_feed_path(dave, "ict"))).feed.id == private


def test_entry_ids_are_tag_uris_of_the_issue_not_an_unregistered_scheme(
    client: Client, published: list[Issue]
) -> None:
    issue = published[0]
    [entry] = read(client.get("/feeds/ict.atom")).entries
    assert entry.id == f"tag:news.example.org,{issue.published_at.year}:issues/ict/3"
    assert "newsroom:" not in client.get("/feeds/ict.atom").content.decode()


@pytest.mark.parametrize("private", [False, True])
def test_a_feed_reader_with_the_current_copy_gets_304(
    client: Client, published: list[Issue], dave: User, private: bool
) -> None:
    path = private_feed_path(dave, "ict") if private else "/feeds/ict.atom"
    first = client.get(path)
    etag, modified = first["ETag"], first["Last-Modified"]

    assert client.get(path, headers={"if-none-match": etag}).status_code == 304
    assert client.get(path, headers={"if-modified-since": modified}).status_code == 304
    assert client.get(path, headers={"if-none-match": '"older"'}).status_code == 200


def test_a_new_issue_changes_the_validators(
    client: Client, published: list[Issue], alice: User, bob: User, newsletter: Newsletter
) -> None:
    etag = client.get("/feeds/ict.atom")["ETag"]
    publish(newsletter, editor=alice, reviewer=bob, number=4, headlines=("Second issue",))

    again = client.get("/feeds/ict.atom", headers={"if-none-match": etag})

    assert again.status_code == 200
    assert len(read(again).entries) == 2


def test_a_304_tells_a_lapsed_reader_nothing(
    client: Client, published: list[Issue], dave: User
) -> None:
    path = private_feed_path(dave, "ict")
    etag = client.get(path)["ETag"]
    Subscription.objects.filter(user=dave).delete()

    assert client.get(path, headers={"if-none-match": etag}).status_code == 404


def test_a_headline_with_markup_comes_out_as_text(
    client: Client, newsletter: Newsletter, alice: User, bob: User
) -> None:
    headline = "Port <b>fibre</b> <script>alert(1)</script> & more"
    publish(newsletter, editor=alice, reviewer=bob, number=5, headlines=(headline,))

    response = client.get("/feeds/ict.atom")
    [entry] = read(response).entries

    assert "<script" not in response.content.decode()
    # The summary is HTML whose text is the headline, markup and all.
    assert "&lt;b&gt;fibre&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in (
        entry.summary
    )


def test_headlines_have_the_pdfs_quotes_and_dashes(
    client: Client, newsletter: Newsletter, alice: User, bob: User
) -> None:
    headline = '"Fibre" for Port Avel -- at last, the 2025--2026 plan'
    issue = make_issue_in_review(
        newsletter=newsletter, editor=alice, reviewer=bob, headlines=(headline,), number=6
    )
    publish_issue(issue=issue, by=bob)

    [entry] = read(client.get("/feeds/ict.atom")).entries

    printed = "“Fibre” for Port Avel — at last, the 2025–2026 plan"
    assert f"<li>{printed}</li>" in entry.summary
    with issue.latest_edition.pdf_file.open("rb") as stored:
        assert printed in pdf_text(stored.read())


def test_a_feed_without_issues_is_still_valid(client: Client, newsletter: Newsletter) -> None:
    response = client.get("/feeds/ict.atom")

    parsed = read(response)
    assert parsed.entries == []
    assert parsed.feed.id.startswith("tag:news.example.org,")
    assert (
        client.get("/feeds/ict.atom", headers={"if-none-match": response["ETag"]}).status_code
        == 304
    )
