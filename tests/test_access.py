"""Access follows the role and the grant: the Subscribers group and a
subscription, both asked at every request; subscriptions are granted by
staff, or chosen by the reader only among newsletters open to it."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from issues.models import Subscription
from issues.readers import access
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.issue_helpers import publish


def subscribed_slugs(user: User) -> list[str]:
    return sorted(user.subscriptions.values_list("newsletter__slug", flat=True))


def test_leaving_the_subscribers_group_ends_access_at_the_next_request(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    token = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave)
    client.force_login(dave)
    pdf = reverse("issues:issue_pdf", args=["ict", 3])
    private_feed = f"/feeds/private/{token.key}/ict.atom"
    private_pdf = f"/feeds/private/{token.key}/ict/3.pdf"
    assert client.get(pdf).status_code == 200
    assert client.get(private_feed).status_code == 200

    dave.groups.remove(Group.objects.get(name=roles.SUBSCRIBERS))

    # The same session, the same feed address: nothing any more.
    assert client.get(pdf).status_code == 404
    assert client.get(issue.get_absolute_url()).status_code == 404
    assert "24 - 30 November" not in client.get(reverse("issues:archive")).text
    anonymous = Client()
    assert anonymous.get(private_feed).status_code == 404
    assert anonymous.get(private_pdf).status_code == 404
    # The grant itself is untouched: putting them back restores access.
    assert subscribed_slugs(dave) == ["ict"]


def test_the_archive_shows_only_the_readers_own_newsletters(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    publish(energy, editor=alice, reviewer=bob, headlines=("Offshore wind farm doubles",))
    client.force_login(dave)

    for query in ({}, {"newsletter": "energy"}, {"q": "wind farm"}):
        page = client.get(reverse("issues:archive"), query).text
        assert "Offshore wind farm doubles" not in page
        assert "Energy</h2>" not in page
    assert client.get(reverse("issues:issue_pdf", args=["energy", 1])).status_code == 404


def test_a_subscriber_cannot_subscribe_to_a_newsletter_closed_to_self_signup(
    client: Client, newsletter: Newsletter, dave: User
) -> None:
    closed = factories.make_newsletter("Energy", "energy")
    client.force_login(dave)
    assert "Energy" not in client.get(reverse("issues:account")).text

    response = client.post(
        reverse("issues:update_subscriptions"),
        {"newsletters": [newsletter.pk, closed.pk]},
        follow=True,
    )

    assert "Choose among the newsletters listed." in response.text
    assert subscribed_slugs(dave) == ["ict"]
    assert not access.readable_issues(dave).filter(newsletter=closed).exists()


def test_a_subscriber_joins_an_open_newsletter_and_may_leave_a_granted_one(
    client: Client, newsletter: Newsletter, dave: User
) -> None:
    weekly = factories.make_newsletter("Maritime", "maritime")
    Newsletter.objects.filter(pk=weekly.pk).update(open_to_self_signup=True)
    client.force_login(dave)
    page = client.get(reverse("issues:account")).text
    assert "Maritime" in page and newsletter.title in page  # open, and already granted

    client.post(reverse("issues:update_subscriptions"), {"newsletters": [weekly.pk]})

    assert subscribed_slugs(dave) == ["maritime"]
    # Gone is gone: ICT is closed, so only staff grant it again.
    client.post(reverse("issues:update_subscriptions"), {"newsletters": [newsletter.pk]})
    assert subscribed_slugs(dave) == ["maritime"]


def test_staff_grant_any_newsletter_in_the_admin(
    client: Client, admin_user: User, dave: User
) -> None:
    closed = factories.make_newsletter("Energy", "energy")
    client.force_login(admin_user)

    client.post("/admin/issues/subscription/add/", {"user": dave.pk, "newsletter": closed.pk})

    assert Subscription.objects.filter(user=dave, newsletter=closed).exists()
