"""Subscriber accounts: invitation, self sign-up, subscriptions, passwords, lockout."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client, override_settings
from django.urls import reverse

from issues.accounts.views import invite_subscriber
from issues.models import Subscription
from newsroom import roles
from newsroom.models import Newsletter
from tests import factories

NEW_PASSWORD = "a-quiet-lighthouse-at-dawn"


@pytest.fixture
def outbox(db: None) -> list[EmailMessage]:
    return mail.outbox  # type: ignore[attr-defined,no-any-return]


def link_in(message: EmailMessage) -> str:
    """The path of the first link to our site in a mail."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def sign_in(client: Client, username: str, password: str) -> bool:
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_staff_invite_a_subscriber_who_then_chooses_a_password(
    client: Client, outbox: list[EmailMessage], admin_user: User, newsletter: Newsletter
) -> None:
    client.force_login(admin_user)
    assert "Send the invitation" in client.get(reverse("issues:invite")).text
    response = client.post(
        reverse("issues:invite"),
        {"email": "Ines@Example.org", "newsletters": [newsletter.pk]},
        follow=True,
    )
    assert "Invitation sent to Ines@example.org" in response.text

    ines = User.objects.get(email="Ines@example.org")
    assert not ines.has_usable_password()
    assert ines.groups.filter(name=roles.SUBSCRIBERS).exists()
    assert list(Subscription.objects.filter(user=ines).values_list("newsletter", flat=True)) == [
        newsletter.pk
    ]
    [invitation] = outbox
    assert invitation.to == ["Ines@example.org"]
    assert newsletter.title in invitation.body
    assert f"Your username is: {ines.username}" in invitation.body

    client.logout()
    form = client.get(link_in(invitation), follow=True)
    assert "Choose a password" in form.text
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert sign_in(client, ines.username, NEW_PASSWORD)
    # The link is spent once the password is set.
    assert "no longer valid" in client.get(link_in(invitation), follow=True).text


def test_inviting_an_address_again_reuses_the_account(
    outbox: list[EmailMessage], admin_user: User, newsletter: Newsletter, dave: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    again = invite_subscriber(email="DAVE@example.org", newsletters=[energy], invited_by=admin_user)
    assert again == dave
    assert set(dave.subscriptions.values_list("newsletter__slug", flat=True)) == {"ict", "energy"}
    assert dave.has_usable_password()  # untouched until the link is used
    assert len(outbox) == 1
    assert outbox[0].to == ["dave@example.org"]


def test_only_staff_who_may_add_users_can_invite(
    client: Client, outbox: list[EmailMessage], newsletter: Newsletter, dave: User
) -> None:
    clerk = factories.make_user("clerk", is_staff=True)
    for user in (dave, clerk):
        client.force_login(user)
        response = client.post(
            reverse("issues:invite"), {"email": "x@example.org", "newsletters": [newsletter.pk]}
        )
        assert response.status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()
    assert outbox == []


def test_self_signup_is_off_by_default(client: Client, db: None) -> None:
    assert client.get(reverse("issues:signup")).status_code == 404
    response = client.post(
        reverse("issues:signup"),
        {"username": "ines", "email": "ines@example.org", "password1": NEW_PASSWORD},
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="ines").exists()


@override_settings(NEWSROOM_SELF_SIGNUP=True)
def test_a_reader_signs_up_and_confirms_the_address(
    client: Client, outbox: list[EmailMessage], newsletter: Newsletter
) -> None:
    response = client.post(
        reverse("issues:signup"),
        {
            "username": "ines",
            "email": "ines@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert "Check your inbox" in response.text
    ines = User.objects.get(username="ines")
    assert not ines.is_active
    assert not sign_in(client, "ines", NEW_PASSWORD)

    [confirmation] = outbox
    link = link_in(confirmation)
    assert "Confirm and sign in" in client.get(link).text
    ines.refresh_from_db()
    assert not ines.is_active  # following the link alone confirms nothing

    response = client.post(link, follow=True)

    assert response.redirect_chain[-1][0] == reverse("issues:account")
    assert "Choose the newsletters you want to read" in response.text
    ines.refresh_from_db()
    assert ines.is_active
    assert ines.groups.filter(name=roles.SUBSCRIBERS).exists()
    assert client.post(link).status_code == 400  # spent


@override_settings(NEWSROOM_SELF_SIGNUP=True)
def test_signup_refuses_an_address_that_has_an_account(
    client: Client, outbox: list[EmailMessage], dave: User
) -> None:
    response = client.post(
        reverse("issues:signup"),
        {
            "username": "dave2",
            "email": "Dave@Example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert "An account with this address exists" in response.text
    assert not User.objects.filter(username="dave2").exists()
    assert outbox == []


def test_a_subscriber_chooses_newsletters_on_the_account_page(
    client: Client, newsletter: Newsletter, dave: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    Newsletter.objects.filter(pk=energy.pk).update(open_to_self_signup=True)
    client.force_login(dave)
    page = client.get(reverse("issues:account"))
    assert "Save subscriptions" in page.text

    response = client.post(
        reverse("issues:update_subscriptions"), {"newsletters": [energy.pk]}, follow=True
    )

    assert "Your subscriptions are saved" in response.text
    assert list(dave.subscriptions.values_list("newsletter__slug", flat=True)) == ["energy"]


def test_an_editor_cannot_subscribe_from_the_account_page(
    client: Client, newsletter: Newsletter, alice: User
) -> None:
    client.force_login(alice)
    assert "Save subscriptions" not in client.get(reverse("issues:account")).text
    response = client.post(reverse("issues:update_subscriptions"), {"newsletters": [newsletter.pk]})
    assert response.status_code == 403
    assert not Subscription.objects.filter(user=alice).exists()
    assert client.get(reverse("issues:update_subscriptions")).status_code == 405


def test_a_subscriber_changes_the_password(client: Client, dave: User) -> None:
    client.force_login(dave)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert "Password changed" in response.text
    client.logout()
    assert sign_in(client, "dave", NEW_PASSWORD)


def test_a_forgotten_password_is_reset_by_mail(
    client: Client, outbox: list[EmailMessage], dave: User
) -> None:
    response = client.post(reverse("password_reset"), {"email": "dave@example.org"}, follow=True)
    assert "Check your inbox" in response.text
    [message] = outbox
    form = client.get(link_in(message), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert sign_in(client, "dave", NEW_PASSWORD)


# AXES_LOCKOUT_TEMPLATE is given here in case settings.py does not name it yet.
@override_settings(AXES_FAILURE_LIMIT=3, AXES_LOCKOUT_TEMPLATE="registration/locked_out.html")
def test_repeated_wrong_passwords_lock_the_sign_in(client: Client, dave: User) -> None:
    for _ in range(3):
        assert not sign_in(client, "dave", "wrong-password")
    response = client.post(reverse("login"), {"username": "dave", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "_auth_user_id" not in client.session
