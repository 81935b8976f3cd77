"""What the writing room may ask of the publishing room, without naming it.

The writing room (newsroom) knows nothing of issues: it imports nothing of
them and names none of their models, permissions or templates. Where it must
ask a publishing question, it asks the one `PublishingRoom` connected here.
The publishing room (issues) connects its own subclass at start-up, in
`IssuesConfig.ready()`. Until something connects, the answers are those of a
newsroom that publishes nothing: no story is in an issue, no panel is added.

The contract, question by question:

- `published_issue_numbers(story_ids)`: for each of these stories that sits
  in a published issue, that issue's number. The workflow refuses to
  withdraw such a story, and the desk labels it "In issue no. N".
- `scheduled_issues(story_ids)`: for each of these stories that sits in an
  issue scheduled for publication, that issue's number and time. The
  workflow refuses to withdraw such a story (the issue would go out without
  it, or not at all) until a reviewer cancels the schedule.
- `dashboard_panels(request)`: panels the desk dashboard shows below its own,
  each a template name and its context, for the signed-in desk user.
- `calendar_entries(start, end, newsletter_id, person_id)`: the publishing
  dates between `start` and `end` (issue deadlines, planned and scheduled
  publications) for the planning calendar, its iCalendar feed and the digest.
- `slot_issues(slots)`: for each planned slot (id, newsletter id, due time,
  story id or None), the issue it is for, as (label, desk URL): the issue
  its story sits in, else the next unpublished issue of its newsletter
  whose copy deadline is at or after the slot's due time.
- `lapses(now)`: publishing deadlines that have slipped by `now` (an issue
  past its review deadline, a scheduled publication that failed), each for
  the person to tell; the reminder task announces each once.
- `catch_up(now)`: publishing work whose time has passed and that a lost
  task left undone (a scheduled publication), and the tasks of work still
  ahead that the queue has lost; run by each deadline check, the first as a
  worker starts.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class DeskPanel:
    """A panel on the desk dashboard, rendered with `{% include template %}`."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CalendarEntry:
    """One dated thing on the planning calendar."""

    uid: str  # stable across requests, for calendar apps
    at: datetime.datetime
    kind: str  # "assignment", "copy", "review", "publication", "scheduled", "published"
    title: str
    url: str
    newsletter_id: int
    state: str
    overdue: bool = False
    people: frozenset[int] = frozenset()  # who owes it
    done: bool = False  # delivered: nobody owes it any more
    changed: datetime.datetime | None = None  # last change of what it shows (iCalendar DTSTAMP)
    note: str = ""  # what the planner wrote about it (iCalendar DESCRIPTION)
    who: str = ""  # who owes it, in words ("erin", "the reviewers")
    issue: str = ""  # the issue a slot is for, if any ("ICT no. 5")
    issue_url: str = ""


# A planned slot, as the publishing room is asked about it:
# (assignment id, newsletter id, due time, story id or None).
type Slot = tuple[int, int, datetime.datetime, int | None]


# An issue scheduled for publication: its number and time.
type ScheduledIssue = tuple[int, datetime.datetime]


@dataclass(frozen=True)
class Lapse:
    """A slipped deadline, to be told once to `user_id`. `key` names the
    thing and the deadline that slipped."""

    user_id: int
    key: str
    message: str
    url: str


class PublishingRoom:
    """The questions, answered as by a newsroom that publishes nothing."""

    def published_issue_numbers(self, story_ids: Iterable[int]) -> dict[int, int]:
        return {}

    def scheduled_issues(self, story_ids: Iterable[int]) -> dict[int, ScheduledIssue]:
        return {}

    def dashboard_panels(self, request: HttpRequest) -> list[DeskPanel]:
        return []

    def calendar_entries(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        *,
        newsletter_id: int | None = None,
        person_id: int | None = None,
    ) -> list[CalendarEntry]:
        return []

    def slot_issues(self, slots: list[Slot]) -> dict[int, tuple[str, str]]:
        return {}

    def lapses(self, now: datetime.datetime) -> list[Lapse]:
        return []

    def catch_up(self, now: datetime.datetime) -> None:
        """Do publishing work whose time has passed and requeue lost tasks
        (run by each deadline check)."""


_room = PublishingRoom()


def connect(room: PublishingRoom) -> None:
    """Called once by the publishing room's AppConfig.ready()."""
    global _room
    _room = room


def publishing_room() -> PublishingRoom:
    return _room
