"""The planning calendar and its private iCalendar feed."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from issues.desk.forms import IssueForm
from issues.models import Issue
from newsroom.models import Newsletter
from newsroom.planning import Assignment, CalendarKey
from tests import factories
from tests.factories import client_for

NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture
def week(newsletter: Newsletter, alice: User, erin: User) -> dict[str, object]:
    late = Assignment.objects.create(
        headline="Overdue cable story",
        newsletter=newsletter,
        assignee=erin,
        due_at=NOW - datetime.timedelta(hours=3),
        created_by=alice,
    )
    coming = Assignment.objects.create(
        headline="Ferry ticket story",
        newsletter=newsletter,
        assignee=alice,
        due_at=NOW + datetime.timedelta(days=1),
        created_by=alice,
    )
    issue = factories.make_issue(
        newsletter=newsletter, created_by=alice, number=7, period_start=datetime.date(2026, 11, 23)
    )
    Issue.objects.filter(pk=issue.pk).update(
        copy_deadline=NOW + datetime.timedelta(days=2),
        review_deadline=NOW + datetime.timedelta(days=3),
        planned_publication_at=NOW + datetime.timedelta(days=4),
    )
    return {"late": late, "coming": coming, "issue": issue}


def test_the_calendar_shows_slots_and_issue_deadlines_with_the_overdue_standing_out(
    week: dict[str, object], erin: User
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = client_for(erin).get(reverse("desk:calendar"))
    page = response.content.decode()
    found = [e for row in response.context["weeks"] for d in row["days"] for e in d["entries"]]
    assert [(e.kind, e.title, e.overdue) for e in found] == [
        ("assignment", "Overdue cable story", True),
        ("assignment", "Ferry ticket story", False),
        ("copy", "Copy due: Information and Communication Technology (ICT) no. 7", False),
        ("review", "Review due: Information and Communication Technology (ICT) no. 7", False),
        (
            "publication",
            "Planned publication: Information and Communication Technology (ICT) no. 7",
            False,
        ),
    ]
    assert "calendar-overdue" in page
    # Erin owes the overdue slot; Alice's story is not hers.
    assert [e.title for e in response.context["owed"]] == ["Overdue cable story"]


def test_each_entry_says_who_owes_it_and_a_slot_its_issue(
    week: dict[str, object], erin: User
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = client_for(erin).get(reverse("desk:calendar"))
    found = [e for row in response.context["weeks"] for d in row["days"] for e in d["entries"]]
    issue = week["issue"]
    ict7 = "ICT no. 7"
    assert [(e.kind, e.who, e.issue) for e in found] == [
        ("assignment", "erin", ict7),  # due before the issue's copy deadline
        ("assignment", "alice", ict7),
        ("copy", "alice", ""),
        ("review", "the reviewers", ""),
        ("publication", "the reviewers", ""),
    ]
    page = response.content.decode()
    assert "Owed by erin" in page and "Owed by the reviewers" in page
    assert f'For <a href="/desk/issues/{issue.pk}/">{ict7}</a>' in page


def test_a_slot_after_every_copy_deadline_is_for_no_issue_yet(
    newsletter: Newsletter, alice: User
) -> None:
    Assignment.objects.create(
        headline="A story for next month",
        newsletter=newsletter,
        assignee=alice,
        due_at=NOW + datetime.timedelta(days=3),
        created_by=alice,
    )
    with time_machine.travel(NOW, tick=False):
        response = client_for(alice).get(reverse("desk:calendar"))
    (entry,) = response.context["owed"]
    assert (entry.who, entry.issue) == ("alice", "")


def test_the_calendar_filters_by_person_and_newsletter(
    week: dict[str, object], alice: User, erin: User
) -> None:
    other = factories.make_newsletter("Energy", "energy")
    with time_machine.travel(NOW, tick=False):
        client = client_for(alice)
        mine = client.get(reverse("desk:calendar"), {"person": erin.pk})
        energy = client.get(reverse("desk:calendar"), {"newsletter": other.pk})
    titles = [e.title for r in mine.context["weeks"] for d in r["days"] for e in d["entries"]]
    assert titles == ["Overdue cable story"]
    assert all(r["count"] == 0 for r in energy.context["weeks"])
    # The page says whose and which: the filter is not only in the form.
    assert "Showing what erin owes." in mine.content.decode()
    assert "Showing everything in Energy." in energy.content.decode()


def test_the_calendar_is_for_the_desk_only(dave: User) -> None:
    assert client_for(dave).get(reverse("desk:calendar")).status_code == 403


def test_a_private_ical_feed_lists_what_its_owner_owes_until_the_key_is_renewed(
    week: dict[str, object], erin: User
) -> None:
    client = client_for(erin)
    client.post(reverse("desk:renew_calendar_key"))
    key = CalendarKey.objects.get(user=erin).key
    with time_machine.travel(NOW, tick=False):
        response = Client().get(reverse("desk:calendar_feed", args=[key]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Overdue cable story (Not started)"]
    client.post(reverse("desk:renew_calendar_key"))
    assert Client().get(reverse("desk:calendar_feed", args=[key])).status_code == 404
    assert CalendarKey.objects.get(user=erin).key != key


def test_a_new_issue_gets_deadlines_from_the_newsletters_rhythm(newsletter: Newsletter) -> None:
    newsletter.publication_weekday = 1  # Tuesday
    newsletter.publication_time = datetime.time(10, 30)
    newsletter.save()
    form = IssueForm(
        {
            "newsletter": newsletter.pk,
            "number": 1,
            "period_start": "2026-11-23",
            "period_end": "2026-11-29",
        }
    )
    assert form.is_valid(), form.errors
    published = datetime.datetime(2026, 12, 1, 10, 30, tzinfo=datetime.UTC)
    assert form.cleaned_data["planned_publication_at"] == published
    assert form.cleaned_data["review_deadline"] == published - datetime.timedelta(days=1)
    assert form.cleaned_data["copy_deadline"] == published - datetime.timedelta(days=3)


def test_deadlines_out_of_order_are_refused(newsletter: Newsletter) -> None:
    form = IssueForm(
        {
            "newsletter": newsletter.pk,
            "number": 1,
            "period_start": "2026-11-23",
            "period_end": "2026-11-29",
            "copy_deadline": "2026-11-30T09:00",
            "review_deadline": "2026-11-29T09:00",
        }
    )
    assert not form.is_valid()
    assert form.errors["copy_deadline"] == ["Copy is due before the review deadline."]


def test_a_delivered_slot_is_no_longer_owed(week: dict[str, object], erin: User, bob: User) -> None:
    late = week["late"]
    assert isinstance(late, Assignment)
    story = late.write(by=erin)
    story.body, story.source = "<p>Cable.</p>", factories.make_source()
    story.save()
    from newsroom.workflow import SUBMIT, perform

    perform(story, SUBMIT, by=erin)
    with time_machine.travel(NOW, tick=False):
        response = client_for(erin).get(reverse("desk:calendar"))
    assert response.context["owed"] == []
    found = [e for row in response.context["weeks"] for d in row["days"] for e in d["entries"]]
    assert next((e.title, e.state, e.overdue) for e in found if e.kind == "assignment") == (
        "Overdue cable story",
        "In review",
        False,
    )
