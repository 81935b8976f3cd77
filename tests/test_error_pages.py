"""Errors a person can act on: styled pages in the site's layout that say
what happened and where to go; and each role lands where it works.

Alice edits, Bob reviews, Dave subscribes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from newsroom.models import Newsletter
from tests import factories


def test_a_403_says_what_the_person_may_not_do_and_where_to_go(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter, status="review")
    client.force_login(alice)

    response = client.post(reverse("desk:story_approve", args=[story.pk]))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Only reviewers approve stories." in page
    assert f'href="{reverse("desk:dashboard")}">Back to your desk</a>' in page
    assert 'class="navbar' in page  # in the site's layout, with navigation
    story.refresh_from_db()
    assert story.status == "review" and story.transitions.count() == 1


def test_a_subscriber_on_the_desk_is_sent_to_the_archive(client: Client, dave: User) -> None:
    client.force_login(dave)

    response = client.get(reverse("desk:dashboard"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "The desk is for editors and reviewers." in page
    assert f'href="{reverse("issues:archive")}">Go to the archive</a>' in page


def test_a_404_is_in_the_layout_and_offers_a_way_on(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.get("/desk/stories/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing here" in page and "Back to your desk" in page


@pytest.mark.django_db
def test_a_host_we_do_not_serve_gets_the_400_page() -> None:
    # Refused by the first middleware, before the request has a user.
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()


@pytest.mark.parametrize(
    ("template", "words"),
    [("400.html", "could not be understood"), ("500.html", "went wrong on our side")],
)
def test_the_400_and_500_pages_render_without_a_request(template: str, words: str) -> None:
    from django.template import loader

    page = loader.get_template(template).render()  # as Django's handlers do

    assert words in page and "Sign in" in page


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("alice", "desk:dashboard"),
        ("bob", "desk:dashboard"),
        ("dave", "issues:archive"),
        ("staff", "admin:index"),
    ],
)
def test_each_role_lands_where_it_works_after_signing_in(
    who: str, lands_on: str, alice: User, bob: User, dave: User, settings: Any
) -> None:
    if who == "staff":
        factories.make_user("staff", is_staff=True)
    client = Client()

    response = client.post(
        reverse("login"), {"username": who, "password": factories.PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse(lands_on)
    assert response.status_code == 200


def test_staff_signing_in_from_a_page_go_back_to_it(alice: User) -> None:
    factories.make_user("staff", is_staff=True)
    client = Client()

    response = client.post(
        reverse("login") + "?next=/admin/auth/user/",
        {"username": "staff", "password": factories.PASSWORD, "next": "/admin/auth/user/"},
    )

    assert response["Location"] == "/admin/auth/user/"
