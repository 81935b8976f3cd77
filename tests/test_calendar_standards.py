"""The private iCalendar feed as calendar apps read it (RFC 5545): UIDs on
the site's domain, a DTSTAMP that moves only when the event changes, the
slot's note as its description."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from newsroom.models import Newsletter
from newsroom.models.planning import Assignment
from newsroom.models.private_addresses import PrivateAddressKey, Purpose

PLANNED = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def site_address(settings: object) -> None:
    settings.NEWSROOM_SITE_URL = "https://news.example.org"  # type: ignore[attr-defined]


@pytest.fixture
def slot(newsletter: Newsletter, alice: User, erin: User) -> Assignment:
    with time_machine.travel(PLANNED, tick=False):
        return Assignment.objects.create(
            headline="Ferry ticket story",
            newsletter=newsletter,
            assignee=erin,
            due_at=NOW + datetime.timedelta(days=1),
            created_by=alice,
            note="Ask the harbour master; 400 words.",
        )


def events_at(at: datetime.datetime, key: str) -> list:
    with time_machine.travel(at, tick=False):
        response = Client().get(reverse("desk:calendar_feed", args=[key]))
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_events_have_uids_on_the_site_and_the_slots_note(slot: Assignment, erin: User) -> None:
    key = PrivateAddressKey.objects.create(purpose=Purpose.CALENDAR, user=erin).key

    [event] = events_at(NOW, key)

    assert str(event["uid"]) == f"assignment-{slot.pk}@news.example.org"
    assert str(event["description"]) == "Ask the harbour master; 400 words."


def test_dtstamp_is_the_slots_last_change_not_the_time_of_the_poll(
    slot: Assignment, erin: User
) -> None:
    key = PrivateAddressKey.objects.create(purpose=Purpose.CALENDAR, user=erin).key

    first = events_at(NOW, key)[0]["dtstamp"].dt
    later = events_at(NOW + datetime.timedelta(hours=3), key)[0]["dtstamp"].dt

    assert first == later == PLANNED
    edited_at = NOW + datetime.timedelta(hours=4)
    with time_machine.travel(edited_at, tick=False):
        slot.note = "Ask the ferry company too."
        slot.save_edit(expected_version=slot.version)
    [event] = events_at(NOW + datetime.timedelta(hours=5), key)
    assert event["dtstamp"].dt == edited_at
    assert str(event["description"]) == "Ask the ferry company too."
