"""Atom feeds: the public one per newsletter, and each subscriber's private one."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Subscription
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.issue_helpers import publish

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(xml: bytes) -> list[ET.Element]:
    return ET.fromstring(xml).findall(f"{ATOM}entry")  # noqa: S314 (our own feed)


def test_the_public_feed_lists_published_issues_with_links_to_their_pages(
    client: Client, newsletter: Newsletter, alice: User, bob: User
) -> None:
    issue = publish(
        newsletter, editor=alice, reviewer=bob, headlines=("Lowmarsh gets fibre",), number=3
    )
    factories.make_issue(newsletter=newsletter, created_by=alice, number=4)

    response = client.get("/feeds/ict.atom")

    assert response["Content-Type"].startswith("application/atom+xml")
    [entry] = entries(response.content)
    assert entry.findtext(f"{ATOM}title") == f"{newsletter.title}: 24 - 30 November 2025"
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{issue.get_absolute_url()}"
    assert "Lowmarsh gets fibre" in entry.findtext(f"{ATOM}summary")
    # Anyone with the link sees what was published, not the PDF itself.
    assert ".pdf" not in response.text


def test_the_private_feed_lets_a_feed_reader_fetch_the_pdf_without_a_session(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)

    feed = client.get(f"/feeds/private/{token.key}/ict.atom")

    assert "private" in feed["Cache-Control"]
    [entry] = entries(feed.content)
    pdf_link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert pdf_link == enclosure.get("href")
    assert enclosure.get("type") == "application/pdf"
    assert enclosure.get("length") == str(issue.latest_edition.pdf_size)
    pdf = client.get(pdf_link.removeprefix("http://testserver"))
    body = b"".join(pdf.streaming_content)
    assert hashlib.sha256(body).hexdigest() == issue.latest_edition.pdf_sha256
    assert pdf["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'

    # Making new addresses on the account page kills the old ones at once.
    client.force_login(dave)
    asked = client.post(reverse("issues:renew_feed_key"))  # the confirmation page first
    assert "Your feed reader will stop receiving issues" in asked.text
    assert PrivateAddressKey.objects.get(purpose=Purpose.FEED, pk=token.pk).key == token.key
    client.post(reverse("issues:renew_feed_key"), {"confirm": "1"})
    client.logout()
    token.refresh_from_db()
    assert f"/feeds/private/{token.key}/" not in pdf_link
    assert client.get(pdf_link.removeprefix("http://testserver")).status_code == 404
    fresh = f"/feeds/private/{token.key}/ict/{issue.number}.pdf"
    assert client.get(fresh).status_code == 200

    # And a lapsed subscription closes both the feed and its PDFs.
    Subscription.objects.filter(user=dave).delete()
    assert client.get(f"/feeds/private/{token.key}/ict.atom").status_code == 404
    assert client.get(fresh).status_code == 404


def test_a_private_feed_of_an_inactive_account_is_gone(
    client: Client, newsletter: Newsletter
) -> None:
    frank = factories.make_subscriber("frank", newsletter)
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=frank)
    assert client.get(f"/feeds/private/{token.key}/ict.atom").status_code == 200
    frank.is_active = False
    frank.save()
    assert client.get(f"/feeds/private/{token.key}/ict.atom").status_code == 404


def test_the_account_page_shows_the_private_feed_addresses(
    client: Client, newsletter: Newsletter, dave: User
) -> None:
    client.force_login(dave)
    page = client.get(reverse("issues:account"))
    assert "Create my private feed addresses" in page.text
    assert not PrivateAddressKey.objects.filter(purpose=Purpose.FEED, user=dave).exists()

    response = client.post(reverse("issues:renew_feed_key"), follow=True)

    token = PrivateAddressKey.objects.get(purpose=Purpose.FEED, user=dave)
    assert f"http://testserver/feeds/private/{token.key}/ict.atom" in response.text
    assert "Make new feed addresses" in response.text


def test_renewing_the_feed_key_refuses_get(client: Client, dave: User) -> None:
    client.force_login(dave)
    assert client.get(reverse("issues:renew_feed_key")).status_code == 405
    assert not PrivateAddressKey.objects.filter(purpose=Purpose.FEED, user=dave).exists()


def test_a_headline_with_markup_is_escaped_in_both_feeds(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    # Headlines are plain text: what looks like markup in one is printed as
    # written, so the feed's HTML summary carries it escaped, never as tags.
    headline = "Chips & <b>bold</b> claims <script>alert(1)</script> <a href=x>"
    publish(newsletter, editor=alice, reviewer=bob, headlines=(headline,), number=3)
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)

    for path in ("/feeds/ict.atom", f"/feeds/private/{token.key}/ict.atom"):
        response = client.get(path)
        [entry] = entries(response.content)
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        # The summary is HTML carried as text: once XML-decoded, the
        # headline is still HTML-escaped, an item of the list as written.
        assert (
            "<li>Chips &amp; &lt;b&gt;bold&lt;/b&gt; claims "
            "&lt;script&gt;alert(1)&lt;/script&gt; &lt;a href=x&gt;</li>"
        ) in summary.text
        assert "<script>" not in summary.text and "<b>" not in summary.text
        assert b"<script>" not in response.content
