"""The reader's own rights: their data as a file, and deleting their
account with download counts kept, without their name."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.test import Client

from issues.models import Issue, Subscription
from issues.models.mail_optout import How, MailOptOut
from issues.models.reach import DownloadCount
from issues.models.subscribers import ReaderProfile
from issues.readers.mail_optout import stop_mail
from issues.readers.reach import write_counts
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.issue_helpers import publish

DAY = datetime.date(2026, 11, 30)


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


@pytest.fixture
def counted(issue: Issue, dave: User) -> int:
    """Downloads of the issue by dave, by another reader and by nobody known,
    on the same day and way in (the anonymous row exists already)."""
    edition = issue.latest_edition
    assert edition is not None
    erin = factories.make_subscriber("erin", issue.newsletter)
    write_counts(
        {
            (edition.pk, DAY, dave.pk, "pdf", "site"): 3,
            (edition.pk, DAY, dave.pk, "html", "feed"): 2,
            (edition.pk, DAY, erin.pk, "pdf", "site"): 1,
            (edition.pk, DAY, None, "pdf", "site"): 4,
        }
    )
    return edition.pk


def totals() -> list[tuple[object, ...]]:
    return list(
        DownloadCount.objects.values_list("document", "channel")
        .annotate(n=Sum("count"))
        .order_by("document", "channel")
    )


def test_a_reader_downloads_their_data_as_json(
    newsletter: Newsletter, dave: User, counted: int
) -> None:
    Subscription.objects.filter(user=dave).update(ends_on=datetime.date(2027, 3, 31))
    ReaderProfile.objects.create(user=dave, organisation="Ministry of Energy")
    stop_mail(user=dave, newsletter=newsletter, how=How.ACCOUNT_PAGE, by=dave)

    response = factories.client_for(dave).get("/accounts/my-data.json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "dave@example.org"
    assert data["account"]["organisation"] == "Ministry of Energy"
    assert data["subscriptions"] == [
        {
            "newsletter": "ict",
            "title": newsletter.title,
            "since": data["subscriptions"][0]["since"],
            "ends_on": "2027-03-31",
            "licence_of": None,
        }
    ]
    assert data["mail_preferences"]["no_mail_of"] == ["ict"]
    assert [c["mail"] for c in data["mail_preferences"]["changes"]] == [False]
    assert sorted((d["document"], d["count"]) for d in data["downloads"]) == [
        ("html", 2),
        ("pdf", 3),
    ]
    assert all(d["issue"] == "ict no. 7" for d in data["downloads"])


def test_the_data_file_is_for_signed_in_readers_only(client: Client) -> None:
    response = client.get("/accounts/my-data.json")
    assert response.status_code == 302


def test_a_reader_deletes_their_account_and_the_counts_stay_without_a_name(
    newsletter: Newsletter, dave: User, counted: int
) -> None:
    before = totals()
    PrivateAddressKey.objects.create(user=dave, purpose=Purpose.FEED)
    MailOptOut.objects.create(user=dave, newsletter=newsletter, how=How.ACCOUNT_PAGE)
    client = factories.client_for(dave)

    wrong = client.post("/accounts/delete/", {"password": "not it"})
    assert "That is not your password; nothing was deleted." in wrong.content.decode()
    assert User.objects.filter(pk=dave.pk).exists()

    done = client.post("/accounts/delete/", {"password": factories.PASSWORD})

    assert "Your account is deleted" in done.content.decode()
    assert not User.objects.filter(username="dave").exists()
    assert not Subscription.objects.filter(user_id=dave.pk).exists()
    assert not PrivateAddressKey.objects.filter(user_id=dave.pk).exists()
    assert not MailOptOut.objects.filter(user_id=dave.pk).exists()
    assert totals() == before
    assert DownloadCount.objects.get(user=None, document="pdf").count == 3 + 4
    assert DownloadCount.objects.get(user=None, document="html").count == 2
    # Signed out: the account page asks to sign in.
    assert client.get("/accounts/profile/").status_code == 302


def test_desk_and_staff_accounts_are_not_deleted_from_the_account_page(
    alice: User,
) -> None:
    client = factories.client_for(alice)
    response = client.post("/accounts/delete/", {"password": factories.PASSWORD}, follow=True)
    assert "retired by an administrator" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
