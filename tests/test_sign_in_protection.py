"""Sign-in protection that cannot be turned against users: lockout per user
and client address read through the proxy, and rate-limited reset mails that
go through the task queue and say the same for every address."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.security.clientip import client_address
from newsroom.security.passwords import send_password_reset
from tests import factories

PROXY = "10.0.0.2"  # nginx, as every request reaches Django behind it
MALLORY, DAVE_AT_HOME = "203.0.113.7", "198.51.100.9"


@pytest.fixture(autouse=True)
def fresh_counters(db: None) -> Iterator[None]:
    # The counters live in the database (the default cache): emptied inside
    # the test transaction, and rolled back with it.
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
    # The refused sixth try does not count: it would extend the lockout.
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "dave",
        MALLORY,
        5,
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


def test_the_reset_link_is_on_the_sites_address_whatever_host_the_request_named(
    client: Client, dave: User, settings: Any
) -> None:
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    settings.ALLOWED_HOSTS = ["*"]

    client.post(
        reverse("password_reset"),
        {"email": "dave@example.org"},
        HTTP_HOST="mallory.example",
        REMOTE_ADDR=MALLORY,
    )

    [message] = mail.outbox
    assert re.search(r"^https://news\.example\.org/accounts/reset/\S+/\S+/$", message.body, re.M)
    assert "mallory" not in message.body


def test_the_reset_mail_goes_through_the_task_queue(
    client: Client, dave: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    ask_for_reset(client, "dave@example.org")

    assert mail.outbox == []  # not sent inside the request
    queued = DBTaskResult.objects.get(task_path__endswith="send_password_reset")
    assert queued.status == "READY"
    # The task looks the address up, for a known and an unknown one alike.
    assert queued.args_kwargs["kwargs"]["email"] == "dave@example.org"


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


def database_cache() -> dict[str, Any]:
    """The default cache's configuration, as each process reads it."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "newsroom_cache",
        }
    }


def resets_let_through(requests: int, processes: list[dict[str, Any]]) -> int:
    """Send `requests` resets from one client, each answered by the next of
    `processes` in turn (each its own cache client, as a web worker has),
    and count the mails queued."""
    client = Client()
    for n in range(requests):
        # A fresh configuration is a fresh cache client: nothing carried
        # over in memory from the previous request, as in another process.
        with override_settings(CACHES=processes[n % len(processes)]):
            ask_for_reset(client, f"reader{n}@example.org")
    return DBTaskResult.objects.filter(task_path__endswith="send_password_reset").count()


@override_settings(
    NEWSROOM_RESETS_PER_CLIENT=10,
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
)
def test_one_client_gets_ten_resets_an_hour_whichever_process_answers(db: None) -> None:
    """45 requests from one client, answered by two web processes in turn:
    the documented ten pass, because both count in the database."""
    assert resets_let_through(45, [database_cache(), database_cache()]) == 10


@override_settings(
    NEWSROOM_RESETS_PER_CLIENT=10,
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
)
def test_a_cache_per_process_would_let_each_process_count_alone(db: None) -> None:
    """Why the store must be shared: with a memory cache per process (the
    previous default), each of the two processes let ten through."""
    processes = [
        {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": p}}
        for p in ("process-a", "process-b")
    ]
    assert resets_let_through(45, processes) == 20


def test_the_default_limits_store_is_the_database(settings: Any) -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def normalised(sql: str) -> str:
    """A statement without its values (addresses, keys, times, savepoint names)."""
    return re.sub(r"'(?:[^']|'')*'|\d+", "?", sql)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_known_and_an_unknown_address_cost_the_request_the_same_work(
    client: Client, dave: User
) -> None:
    """The answer times differed (13.8 ms for a known address, 8.4 ms for an
    unknown one) because the request looked the address up. Now it does the
    same statements for both, none of them about accounts."""
    ask_for_reset(client, "warm-up@example.org", client_at="192.0.2.1")  # sessions, content types

    with CaptureQueriesContext(connection) as known:
        ask_for_reset(client, "dave@example.org", client_at="192.0.2.2")
    with CaptureQueriesContext(connection) as unknown:
        ask_for_reset(client, "nobody@example.org", client_at="192.0.2.3")

    assert [normalised(q["sql"]) for q in known] == [normalised(q["sql"]) for q in unknown]
    assert not any("auth_user" in q["sql"] for q in known.captured_queries)
    assert DBTaskResult.objects.filter(task_path__endswith="send_password_reset").count() == 3


def test_the_task_mails_a_known_address_and_nobody_for_an_unknown_one(dave: User) -> None:
    assert send_password_reset.call(email="DAVE@example.org") == 1
    assert send_password_reset.call(email="nobody@example.org") == 0
    [message] = mail.outbox
    assert message.to == ["dave@example.org"]


@override_settings(NEWSROOM_TRUSTED_PROXIES=1, NEWSROOM_USERNAME_FAILURE_LIMIT=10)
def test_failures_from_many_addresses_lock_the_username_for_the_cool_off(
    dave: User, settings: Any
) -> None:
    """12 failures from 12 addresses locked nothing when only (username,
    address) pairs counted. Now the tenth failure across addresses locks the
    username out (the eleventh and twelfth are refused untried) for the
    cool-off, except at an address Dave signed in from lately; then Dave
    signs in from anywhere."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        home = Client()
        sign_in(home, "dave", factories.PASSWORD, forwarded_for=DAVE_AT_HOME)
        assert "_auth_user_id" in home.session

        answers = [
            sign_in(Client(), "dave", "guess", forwarded_for=f"203.0.113.{n}").status_code
            for n in range(10, 22)
        ]

        assert answers == [200] * 9 + [429] * 3
        assert sum(a.failures_since_start for a in AccessAttempt.objects.all()) == 10
        # Dave, travelling, is slowed down as well, right password or not ...
        hotel = Client()
        assert (
            sign_in(hotel, "dave", factories.PASSWORD, forwarded_for="192.0.2.50").status_code
            == 429
        )
        assert "_auth_user_id" not in hotel.session
        # ... but not at home, where he signed in before.
        again = Client()
        sign_in(again, "dave", factories.PASSWORD, forwarded_for=DAVE_AT_HOME)
        assert "_auth_user_id" in again.session
        # His sign-in at home clears his own pair only, not what was tried elsewhere.
        assert sum(a.failures_since_start for a in AccessAttempt.objects.all()) == 10
        assert (
            sign_in(hotel, "dave", factories.PASSWORD, forwarded_for="192.0.2.50").status_code
            == 429
        )

        clock.move_to(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
        sign_in(hotel, "dave", factories.PASSWORD, forwarded_for="192.0.2.50")
        assert "_auth_user_id" in hotel.session


@override_settings(NEWSROOM_TRUSTED_PROXIES=1, NEWSROOM_USERNAME_FAILURE_LIMIT=10)
def test_hammering_during_the_lockout_does_not_extend_it(dave: User, settings: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(10):
            sign_in(Client(), "dave", "guess", forwarded_for=f"203.0.113.{n}")
        clock.move_to(start + settings.AXES_COOLOFF_TIME / 2)
        for n in range(10, 40):
            assert (
                sign_in(Client(), "dave", "guess", forwarded_for=f"203.0.113.{n}").status_code
                == 429
            )

        clock.move_to(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
        hotel = Client()
        sign_in(hotel, "dave", factories.PASSWORD, forwarded_for="192.0.2.50")
        assert "_auth_user_id" in hotel.session


@override_settings(NEWSROOM_TRUSTED_PROXIES=1, NEWSROOM_USERNAME_FAILURE_LIMIT=10)
def test_nine_failures_across_addresses_lock_nobody(dave: User) -> None:
    for n in range(9):
        sign_in(Client(), "dave", "guess", forwarded_for=f"203.0.113.{n}")
    hotel = Client()
    sign_in(hotel, "dave", factories.PASSWORD, forwarded_for="192.0.2.50")
    assert "_auth_user_id" in hotel.session
