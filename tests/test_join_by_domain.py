"""Joining an organisation's licence by email domain: one neutral answer for
every address, within the password reset's rate limits, the work queued;
a seat taken only by the owner of the address following the mailed link;
when no seat is free, the contacts are told. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from issues.accounts.joining import ask_to_join
from issues.models.licences import Licence, Organisation, Seat, SeatChange
from issues.readers.licences import take_seat
from newsroom import roles
from newsroom.models import Newsletter
from tests.test_licences import reader, user_at

pytestmark = pytest.mark.clock("2027-03-01 09:00 +00:00")

NEUTRAL = "If your organisation lets its people join, a mail is on its way"


@pytest.fixture(autouse=True)
def fresh_counters(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ministry(db: None) -> Organisation:
    organisation = Organisation.objects.create(
        name="Ministry of Energy", email_domain="@Energy.example", join_by_domain=True
    )
    organisation.contacts.add(user_at("mo", "energy.example"))
    return organisation


@pytest.fixture
def licence(ministry: Organisation, newsletter: Newsletter) -> Licence:
    licence = Licence.objects.create(
        organisation=ministry,
        seats=1,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    licence.newsletters.add(newsletter)
    return licence


def ask(client: Client, email: str, client_at: str = "203.0.113.7") -> Any:
    return client.post(reverse("issues:join"), {"email": email}, REMOTE_ADDR=client_at, follow=True)


def link_in(message: Any) -> str:
    found = re.search(r"https?://\S+/accounts/join/\S+/", message.body)
    assert found, message.body
    return urlsplit(found.group(0)).path


def test_every_address_gets_the_same_answer(client: Client, licence: Licence) -> None:
    answers = [
        ask(client, email)
        for email in ("ann@energy.example", "nobody@elsewhere.example", "mo@energy.example")
    ]

    assert {a.redirect_chain[-1][0] for a in answers} == {reverse("issues:join_asked")}
    assert all(NEUTRAL in a.text for a in answers)
    # Only the address at the organisation's domain hears anything.
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@energy.example", "mo@energy.example"]


def test_the_request_only_queues_the_work(client: Client, licence: Licence, settings: Any) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }

    ask(client, "ann@energy.example")

    assert mail.outbox == []
    assert not User.objects.filter(email="ann@energy.example").exists()
    queued = DBTaskResult.objects.get(task_path__endswith="ask_to_join")
    assert queued.args_kwargs["kwargs"]["email"] == "ann@energy.example"


@override_settings(NEWSROOM_RESETS_PER_ADDRESS=3)
def test_one_address_is_answered_at_most_three_times_an_hour(
    client: Client, licence: Licence
) -> None:
    answers = [ask(client, "Ann@energy.example", client_at=f"192.0.2.{n}") for n in range(5)]

    assert all(NEUTRAL in a.text for a in answers)
    assert len(mail.outbox) == 3


@override_settings(NEWSROOM_RESETS_PER_CLIENT=10)
def test_one_client_is_answered_at_most_ten_times_an_hour(client: Client, licence: Licence) -> None:
    for n in range(10):
        ask(client, f"stranger{n}@elsewhere.example")

    answer = ask(client, "ann@energy.example")

    assert NEUTRAL in answer.text
    assert mail.outbox == []


def test_the_link_asks_then_takes_a_seat_and_a_new_reader_chooses_a_password(
    client: Client, licence: Licence
) -> None:
    ask(client, "ann@energy.example")
    [message] = mail.outbox
    assert "Take your seat here" in message.body
    link = link_in(message)
    assert not User.objects.filter(email="ann@energy.example").exists()  # nothing yet

    asked = client.get(link)
    assert "Take the seat" in asked.text and not Seat.objects.exists()
    taken = client.post(link)

    ann = User.objects.get(email="ann@energy.example")
    assert taken.status_code == 302 and "/reset/" in taken["Location"]
    assert Seat.objects.filter(licence=licence, user=ann).exists()
    assert ann.groups.filter(name=roles.SUBSCRIBERS).exists()
    change = SeatChange.objects.get(user=ann)
    assert (change.taken, change.how, change.by) == (True, SeatChange.How.JOINED, None)
    # Following the link again finds the seat taken, not a second one.
    client.post(link)
    assert Seat.objects.filter(user=ann).count() == 1


def test_an_existing_reader_keeps_their_account_and_signs_in(
    client: Client, licence: Licence
) -> None:
    ann = reader("ann")
    ask(client, "ann@energy.example")

    taken = client.post(link_in(mail.outbox[0]), follow=True)

    assert "You have a seat on Ministry of Energy&#x27;s licence" in taken.text
    assert User.objects.filter(email__iexact="ann@energy.example").count() == 1
    assert Seat.objects.filter(licence=licence, user=ann).exists()


def test_with_no_seat_free_the_contacts_are_told_and_nothing_changes(
    client: Client, licence: Licence
) -> None:
    take_seat(licence=licence, user=reader("ann"))

    answer = ask(client, "ben@energy.example")

    assert NEUTRAL in answer.text
    assert not User.objects.filter(email="ben@energy.example").exists()
    to_ben, to_mo = sorted(mail.outbox, key=lambda m: m.to[0])
    assert to_ben.to == ["ben@energy.example"] and "Every seat" in to_ben.body
    assert to_mo.to == ["mo@energy.example"]
    assert "ben@energy.example asked for access" in to_mo.body
    assert reverse("issues:organisation", args=[licence.organisation.pk]) in to_mo.body


def test_a_seat_taken_since_the_mail_is_refused_at_the_link(
    client: Client, licence: Licence
) -> None:
    ask(client, "ben@energy.example")
    link = link_in(mail.outbox[0])
    take_seat(licence=licence, user=reader("ann"))

    answer = client.post(link)

    assert answer.status_code == 409 and "No seat is free" in answer.text
    assert not User.objects.filter(email="ben@energy.example").exists()
    assert "ben@energy.example asked for access" in mail.outbox[-1].body


def test_an_organisation_that_does_not_let_its_domain_join_is_never_joined(
    client: Client, licence: Licence, ministry: Organisation
) -> None:
    ask(client, "ann@energy.example")
    link = link_in(mail.outbox[0])
    ministry.join_by_domain = False
    ministry.save()

    assert ask_to_join.call(email="ben@energy.example") == "no organisation"
    assert client.post(link).status_code == 400
    assert not Seat.objects.exists()


def test_a_forged_link_takes_nothing(client: Client, licence: Licence) -> None:
    assert client.post("/accounts/join/ann@energy.example/").status_code == 400
    assert not Seat.objects.exists()


def test_joining_by_domain_needs_a_domain(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Anyone", join_by_domain=True)
