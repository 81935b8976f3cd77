"""A way in for a reader without access: the refusal of an issue of a
newsletter one does not take names the newsletter and how to ask for it,
still as a 404, and says nothing of issues that are not published."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models.reach import DownloadCount
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish


def other_newsletter(*, open_to_self_signup: bool = False) -> Newsletter:
    return Newsletter.objects.create(
        title="Energy and Mining",
        slug="energy",
        open_to_self_signup=open_to_self_signup,
    )


def test_the_refusal_names_the_newsletter_and_whom_to_ask(
    dave: User, alice: User, bob: User, settings: object
) -> None:
    settings.NEWSROOM_REPLY_TO = "desk@publisher.example"  # type: ignore[attr-defined]
    issue = publish(other_newsletter(), editor=alice, reviewer=bob, number=3)

    response = factories.client_for(dave).get(issue.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 404
    assert "Energy and Mining is not among your subscriptions" in page
    assert "mailto:desk@publisher.example?subject=Subscription%20to%20Energy%20and%20Mining" in page
    assert "There is nothing here" not in page
    assert issue.entries.get().story.headline not in page  # nothing of the issue itself


def test_without_a_reply_address_the_sender_address_is_offered(
    dave: User, alice: User, bob: User, settings: object
) -> None:
    settings.NEWSROOM_REPLY_TO = ""  # type: ignore[attr-defined]
    settings.DEFAULT_FROM_EMAIL = "newsroom@publisher.example"  # type: ignore[attr-defined]
    issue = publish(other_newsletter(), editor=alice, reviewer=bob, number=3)

    page = factories.client_for(dave).get(issue.get_absolute_url()).content.decode()

    assert "mailto:newsroom@publisher.example" in page


def test_a_newsletter_open_to_self_sign_up_sends_the_reader_to_subscribe(
    dave: User, alice: User, bob: User
) -> None:
    issue = publish(other_newsletter(open_to_self_signup=True), editor=alice, reviewer=bob)

    response = factories.client_for(dave).get(issue.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 404
    assert "Subscribe on your account page" in page
    assert "/accounts/profile/#account-subscriptions" in page


def test_an_issue_not_yet_published_is_an_ordinary_404(
    dave: User, alice: User, newsletter: Newsletter
) -> None:
    energy = other_newsletter()
    factories.make_issue(newsletter=energy, created_by=alice, number=3)

    response = factories.client_for(dave).get("/issues/energy/3/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "Energy and Mining" not in page
    assert "There is nothing here" in page


def test_a_missing_newsletter_is_an_ordinary_404(dave: User) -> None:
    response = factories.client_for(dave).get("/issues/nosuch/1/")

    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_a_subscriber_still_reads_their_own_issue(
    dave: User, alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=2)

    response = factories.client_for(dave).get(issue.get_absolute_url())

    assert response.status_code == 200


def test_a_signed_out_visitor_is_asked_to_sign_in(client: Client, alice: User, bob: User) -> None:
    issue = publish(other_newsletter(), editor=alice, reviewer=bob)

    response = client.get(issue.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_pdf_and_html_addresses_refuse_with_the_same_page(
    dave: User, alice: User, bob: User, settings: object
) -> None:
    """A PDF link in a forwarded mail is how most readers meet a refusal."""
    settings.NEWSROOM_REPLY_TO = "desk@publisher.example"  # type: ignore[attr-defined]
    issue = publish(other_newsletter(), editor=alice, reviewer=bob, number=3)
    reader = factories.client_for(dave)

    for address in (
        reverse("issues:issue_pdf", args=["energy", 3]),
        reverse("issues:issue_html", args=["energy", 3]),
        reverse("issues:edition_pdf", args=["energy", 3, 1]),
    ):
        response = reader.get(address)
        assert response.status_code == 404, address
        assert response["Content-Type"].startswith("text/html"), address
        assert "Energy and Mining is not among your subscriptions" in response.content.decode()
    # An edition that does not exist is an ordinary 404, even on a published issue.
    missing = reader.get(reverse("issues:edition_pdf", args=["energy", 3, 9]))
    assert "There is nothing here" in missing.content.decode()
    assert not DownloadCount.objects.filter(edition__issue=issue).exists()


def test_the_refusal_page_asks_for_the_issue_no_more_than_it_must(
    dave: User, alice: User, bob: User
) -> None:
    issue = publish(other_newsletter(), editor=alice, reviewer=bob, number=3)
    reader = factories.client_for(dave)
    reader.get("/")  # the session and the account are read

    with CaptureQueriesContext(connection) as queries:
        reader.get(issue.get_absolute_url())

    issue_reads = [q for q in queries if 'FROM "issues_issue"' in q["sql"]]
    assert len(issue_reads) == 2, [q["sql"] for q in issue_reads]  # the grant, then the refusal's
