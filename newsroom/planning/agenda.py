"""What is due when: the one list behind the planning calendar, its
iCalendar feed and the daily digest.

The writing room's entries are its assignments; the publishing room adds
issue deadlines and publications through `newsroom.extension`.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.utils import timezone

from newsroom.extension import CalendarEntry, publishing_room
from newsroom.models.planning import Assignment


def assignment_entry(assignment: Assignment, now: datetime.datetime) -> CalendarEntry:
    return CalendarEntry(
        uid=f"assignment-{assignment.pk}",
        at=assignment.due_at,
        kind="assignment",
        title=assignment.story.headline if assignment.story else assignment.headline,
        url=assignment.get_absolute_url(),
        newsletter_id=assignment.newsletter_id,  # type: ignore[attr-defined]
        state=assignment.state,
        overdue=assignment.is_overdue(now),
        people=frozenset({assignment.assignee_id}),  # type: ignore[attr-defined]
        done=assignment.state in ("In review", "Approved"),
        changed=max(
            [assignment.changed_at] + ([assignment.story.updated_at] if assignment.story else [])
        ),
        note=assignment.note,
        who=assignment.assignee.get_username(),
    )


def with_issues(slots: list[Assignment], found: list[CalendarEntry]) -> list[CalendarEntry]:
    """The slots' entries, each showing the issue it is for where there is one."""
    asked = [(a.pk, a.newsletter_id, a.due_at, a.story_id) for a in slots]  # type: ignore[attr-defined]
    issues = publishing_room().slot_issues(asked)
    return [
        dataclasses.replace(entry, issue=issues[a.pk][0], issue_url=issues[a.pk][1])
        if a.pk in issues
        else entry
        for a, entry in zip(slots, found, strict=True)
    ]


def entries(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    newsletter_id: int | None = None,
    person_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[CalendarEntry]:
    """Everything dated in [start, end), oldest first, optionally only one
    newsletter's or only what one person owes."""
    now = now or timezone.now()
    assignments = Assignment.objects.for_calendar().filter(due_at__gte=start, due_at__lt=end)
    if newsletter_id:
        assignments = assignments.filter(newsletter_id=newsletter_id)
    if person_id:
        assignments = assignments.filter(assignee_id=person_id)
    slots = list(assignments)
    found = with_issues(slots, [assignment_entry(a, now) for a in slots])
    found += publishing_room().calendar_entries(
        start, end, newsletter_id=newsletter_id, person_id=person_id
    )
    return sorted(found, key=lambda entry: (entry.at, entry.kind, entry.uid))


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
