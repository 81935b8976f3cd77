"""Sign-in protection that cannot be turned against users: lockout per user
and client address read through the proxy, and rate-limited reset mails that
go through the task queue and say the same for every address."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.clientip import client_address
from tests import factories

PROXY = "10.0.0.2"  # nginx, as every request reaches Django behind it
MALLORY, DAVE_AT_HOME = "203.0.113.7", "198.51.100.9"


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, username: str, password: str, *, forwarded_for: str) -> Any:
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@override_settings(NEWSROOM_TRUSTED_PROXIES=1)
def test_five_failures_lock_that_client_out_but_not_the_user_elsewhere(dave: User) -> None:
    mallory = Client()
    for _ in range(5):
        # She even claims to be at Dave's address; nginx appends her real one.
        sign_in(mallory, "dave", "guess", forwarded_for=f"{DAVE_AT_HOME}, {MALLORY}")

    locked = sign_in(mallory, "dave", factories.PASSWORD, forwarded_for=MALLORY)

    assert locked.status_code == 429
    assert "_auth_user_id" not in mallory.session
    [attempt] = AccessAttempt.objects.all()
    # The refused sixth try counts as well.
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "dave",
        MALLORY,
        6,
    )
    # Dave, at home behind the same proxy, signs in as ever.
    home = Client()
    sign_in(home, "dave", factories.PASSWORD, forwarded_for=DAVE_AT_HOME)
    assert "_auth_user_id" in home.session


@override_settings(NEWSROOM_TRUSTED_PROXIES=1)
def test_the_lockout_ends_after_the_cool_off(dave: User, settings: Any) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "dave", "guess", forwarded_for=MALLORY)
    assert sign_in(client, "dave", factories.PASSWORD, forwarded_for=MALLORY).status_code == 429

    long_ago = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=long_ago)
    sign_in(client, "dave", factories.PASSWORD, forwarded_for=MALLORY)

    assert "_auth_user_id" in client.session


def test_the_forwarded_header_counts_only_as_far_as_proxies_are_trusted(settings: Any) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{DAVE_AT_HOME}, {MALLORY}, 10.0.0.1"
    )
    settings.NEWSROOM_TRUSTED_PROXIES = 0
    assert client_address(request) == PROXY  # no proxy: the header is anyone's word
    settings.NEWSROOM_TRUSTED_PROXIES = 1
    assert client_address(request) == "10.0.0.1"
    settings.NEWSROOM_TRUSTED_PROXIES = 2
    assert client_address(request) == MALLORY


def ask_for_reset(client: Client, email: str, *, client_at: str = MALLORY) -> Any:
    return client.post(
        reverse("password_reset"), {"email": email}, REMOTE_ADDR=client_at, follow=True
    )


def test_known_and_unknown_addresses_get_the_same_answer(client: Client, dave: User) -> None:
    known = ask_for_reset(client, "dave@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")

    assert known.redirect_chain == unknown.redirect_chain
    assert "Check your inbox" in known.text and "Check your inbox" in unknown.text
    [message] = mail.outbox
    assert message.to == ["dave@example.org"]
    assert "/reset/" in message.body


def test_the_reset_mail_goes_through_the_task_queue(
    client: Client, dave: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    ask_for_reset(client, "dave@example.org")

    assert mail.outbox == []  # not sent inside the request
    queued = DBTaskResult.objects.get(task_path__endswith="send_password_reset")
    assert queued.status == "READY"
    assert queued.args_kwargs["kwargs"]["user_id"] == dave.pk


@override_settings(NEWSROOM_RESETS_PER_ADDRESS=3)
def test_one_address_gets_at_most_three_reset_mails_an_hour(client: Client, dave: User) -> None:
    answers = [
        ask_for_reset(client, "Dave@example.org", client_at=f"192.0.2.{n}").text for n in range(5)
    ]

    assert len(mail.outbox) == 3
    assert all("Check your inbox" in answer for answer in answers)


@override_settings(NEWSROOM_RESETS_PER_CLIENT=10)
def test_one_client_gets_at_most_ten_resets_an_hour(client: Client, dave: User) -> None:
    for n in range(10):
        ask_for_reset(client, f"stranger{n}@example.org")

    answer = ask_for_reset(client, "dave@example.org")

    assert "Check your inbox" in answer.text
    assert mail.outbox == []
