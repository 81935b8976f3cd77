"""The landing page: what the publisher offers, and the latest headlines."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from issues.models import Issue
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish


def make_latest(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    newsletter.description = "The week in networks, chips and software, in ten minutes."
    newsletter.save()
    factories.make_newsletter("Energy", "energy")
    issue = publish(
        newsletter, editor=alice, reviewer=bob, headlines=("Port Avel lays a harbour cable",)
    )
    factories.make_issue(newsletter=newsletter, created_by=alice)
    return issue


def test_strangers_see_the_newsletters_and_the_latest_headlines_only(
    client: Client, newsletter: Newsletter, alice: User, bob: User
) -> None:
    issue = make_latest(newsletter, alice, bob)

    page = client.get(reverse("issues:home")).text

    assert newsletter.title in page and "Energy" in page
    assert "The week in networks, chips and software" in page
    assert "Latest issue: 24 - 30 November 2025" in page
    assert "Port Avel lays a harbour cable" in page
    story = issue.ordered_stories()[0]
    assert story.body_text[:40] not in page  # headlines, never the stories
    assert ".pdf" not in page
    assert f'href="{issue.get_absolute_url()}"' not in page
    assert f'href="{reverse("login")}"' in page
    assert "The first issue is on its way" in page  # Energy has none yet
    assert reverse("issues:feed", args=["ict"]) in page
    assert "Create an account" not in page


def test_a_subscriber_gets_links_to_read_and_download(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    issue = make_latest(newsletter, alice, bob)
    frank = factories.make_subscriber("frank")

    client.force_login(dave)
    page = client.get(reverse("issues:home")).text
    assert f'href="{issue.get_absolute_url()}"' in page
    assert reverse("issues:issue_pdf", args=["ict", issue.number]) in page

    client.force_login(frank)
    page = client.get(reverse("issues:home")).text
    assert f'href="{issue.get_absolute_url()}"' not in page
    assert "Subscribe from" in page


@override_settings(NEWSROOM_SELF_SIGNUP=True)
def test_with_self_signup_the_landing_page_offers_an_account(client: Client, db: None) -> None:
    page = client.get(reverse("issues:home")).text
    assert f'href="{reverse("issues:signup")}"' in page


def test_the_desk_is_one_click_away_for_editors(client: Client, alice: User) -> None:
    client.force_login(alice)

    page = client.get("/").content.decode()

    assert f'href="{reverse("desk:dashboard")}"' in page
    assert "Go to the desk" in page


def test_the_landing_page_asks_the_same_few_queries_however_many_newsletters(
    client: Client,
    django_assert_max_num_queries: Any,
    newsletter: Newsletter,
    alice: User,
    bob: User,
) -> None:
    make_latest(newsletter, alice, bob)
    for n in range(5):
        factories.make_newsletter(f"Sector {n}", f"sector-{n}")

    # Newsletters with their latest issue, its stories, and which the reader may open.
    with django_assert_max_num_queries(4):
        page = client.get(reverse("issues:home")).text

    assert "Port Avel lays a harbour cable" in page
    assert page.count("The first issue is on its way") == 6
