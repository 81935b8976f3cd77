"""The planning calendar and its private iCalendar feed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from issues.desk.forms import IssueForm
from issues.models import Issue
from newsroom.models import Newsletter
from newsroom.models.planning import Assignment
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.planning import agenda
from newsroom.review.workflow import Status
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


def test_of_an_issue_a_person_owes_their_copy_what_they_scheduled_or_its_review(
    week: dict[str, object], alice: User, bob: User, erin: User
) -> None:
    issue = week["issue"]
    assert isinstance(issue, Issue)
    start, end = NOW - datetime.timedelta(days=7), NOW + datetime.timedelta(days=7)
    with time_machine.travel(NOW, tick=False):
        owed = {
            user.get_username(): [e.kind for e in agenda.entries(start, end, person_id=user.pk)]
            for user in (alice, bob, erin)
        }
        Issue.objects.filter(pk=issue.pk).update(
            status=Status.REVIEW, scheduled_for=NOW + datetime.timedelta(days=4), scheduled_by=erin
        )
        scheduled = [e.kind for e in agenda.entries(start, end, person_id=erin.pk)]
    assert owed == {
        "alice": ["assignment", "copy"],  # her slot; she made the issue
        "bob": ["review", "publication"],  # a reviewer
        "erin": ["assignment"],
    }
    assert scheduled == ["assignment", "scheduled"]


def test_the_calendar_is_for_the_desk_only(dave: User) -> None:
    assert client_for(dave).get(reverse("desk:calendar")).status_code == 403


def test_a_private_ical_feed_lists_what_its_owner_owes_until_the_key_is_renewed(
    week: dict[str, object], erin: User
) -> None:
    client = client_for(erin)
    client.post(reverse("desk:renew_calendar_key"))
    key = PrivateAddressKey.objects.get(purpose=Purpose.CALENDAR, user=erin).key
    with time_machine.travel(NOW, tick=False):
        response = Client().get(reverse("desk:calendar_feed", args=[key]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Overdue cable story (Not started)"]
    client.post(reverse("desk:renew_calendar_key"))
    assert Client().get(reverse("desk:calendar_feed", args=[key])).status_code == 404
    assert PrivateAddressKey.objects.get(purpose=Purpose.CALENDAR, user=erin).key != key


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
    from newsroom.review.workflow import SUBMIT, perform

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


def offered_people(response: HttpResponse) -> list[str]:
    field = response.context["filters"].fields["person"]
    return [user.username for user in field.queryset]


def test_the_person_filter_offers_whoever_owes_something_in_the_weeks_shown(
    week: dict[str, object], alice: User, erin: User, bob: User, carol: User
) -> None:
    """Erin and Alice their slots, Alice the copy she created, the reviewers
    the review; not a desk user with nothing due, unless asked for."""
    idle = factories.make_editor("frieda")
    with time_machine.travel(NOW, tick=False):
        client = client_for(alice)
        everyone = client.get(reverse("desk:calendar"))
        asked = client.get(reverse("desk:calendar"), {"person": idle.pk})
        next_month = client.get(reverse("desk:calendar"), {"week": "2026-12-21"})
    assert offered_people(everyone) == ["alice", "bob", "carol", "erin"]
    assert offered_people(asked) == ["alice", "bob", "carol", "erin", "frieda"]
    assert "Showing what frieda owes." in asked.content.decode()
    assert all(r["count"] == 0 for r in asked.context["weeks"])
    assert offered_people(next_month) == []


def test_a_person_who_is_not_on_the_desk_cannot_be_chosen(
    week: dict[str, object], alice: User, dave: User
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = client_for(alice).get(reverse("desk:calendar"), {"person": dave.pk})
    assert response.status_code == 200
    assert response.context["person"] is None  # everyone's calendar instead
    assert "what dave owes" not in response.content.decode()
    assert "dave" not in offered_people(response)


FILTERS = {
    "no filter": {},
    "a newsletter": {"newsletter": "newsletter"},
    "a person": {"person": "erin"},
    "a week": {"week": "2026-11-09"},
    "every filter": {"newsletter": "newsletter", "person": "erin", "week": "2026-11-09"},
}


def fill_the_calendar(newsletter: Newsletter, alice: User, editors: list[User], weeks: int) -> None:
    """Three slots a day for each editor and an issue with its deadlines
    each week, from four weeks back."""
    first = NOW - datetime.timedelta(weeks=4)
    Assignment.objects.bulk_create(
        Assignment(
            headline=f"Slot {n}",
            newsletter=newsletter,
            assignee=editors[n % len(editors)],
            due_at=first + datetime.timedelta(hours=8 * n),
            created_by=alice,
        )
        for n in range(weeks * 21)
    )
    for w in range(weeks):
        issue = factories.make_issue(
            newsletter=newsletter,
            created_by=editors[w % len(editors)],
            number=100 + w,
            period_start=(first + datetime.timedelta(weeks=w)).date(),
        )
        publication = first + datetime.timedelta(weeks=w, days=7)
        Issue.objects.filter(pk=issue.pk).update(
            copy_deadline=publication - datetime.timedelta(days=3),
            review_deadline=publication - datetime.timedelta(days=1),
            planned_publication_at=publication,
        )


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.clock(NOW - datetime.timedelta(hours=1))  # signed in shortly before NOW
def test_the_calendar_asks_the_database_a_fixed_number_of_times_with_each_filter(
    newsletter: Newsletter,
    alice: User,
    erin: User,
    bob: User,
    django_assert_max_num_queries: Any,
    name: str,
    size: int,
) -> None:
    """Whatever the filter, and however many slots, deadlines and people
    there are: eight editors with 32 weeks of slots ask no more than one
    with four weeks."""
    editors = [erin, *(factories.make_editor(f"editor{n}") for n in range(size - 1))]
    fill_the_calendar(newsletter, alice, editors, weeks=4 * size)
    values = {"newsletter": str(newsletter.pk), "erin": str(erin.pk)}
    params = {key: values.get(value, value) for key, value in FILTERS[name].items()}
    client = client_for(alice)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(CALENDAR_QUERIES):
        response = client.get(reverse("desk:calendar"), params)
    assert response.status_code == 200
    assert sum(r["count"] for r in response.context["weeks"]) > 0


# Session, user, permissions (2), the chosen newsletter and person (1 each),
# the weeks' slots and issues and the reviewers owing their deadlines (the
# groups that make a reviewer, then the reviewers), the same for what the
# user owes this week, the issues the slots are for, the feed key, the
# newsletters, and the people offered (the desk's groups, then the people).
CALENDAR_QUERIES = 20
