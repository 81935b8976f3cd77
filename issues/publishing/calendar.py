"""Issue dates for the planning calendar, and the publishing deadlines that
slip (asked by the writing room through newsroom.extension)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from issues.models import Issue, IssueStory
from newsroom import roles
from newsroom.extension import CalendarEntry, Lapse, Slot
from newsroom.review.workflow import Status

DATES = [
    "copy_deadline",
    "review_deadline",
    "planned_publication_at",
    "scheduled_for",
    "published_at",
]


def issue_entries(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    newsletter_id: int | None = None,
    person_id: int | None = None,
) -> list[CalendarEntry]:
    in_range = Q()
    for name in DATES:
        in_range |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    issues = Issue.objects.filter(in_range).select_related(
        "newsletter", "created_by", "scheduled_by"
    )
    if newsletter_id:
        issues = issues.filter(newsletter_id=newsletter_id)
    now, reviewers = timezone.now(), roles.reviewer_ids()
    if person_id and person_id not in reviewers:
        # All a non-reviewer can owe of an issue is its copy (its editor)
        # or its scheduled publication (who scheduled it): only those
        # issues are read, not every issue of the weeks.
        issues = issues.filter(Q(created_by_id=person_id) | Q(scheduled_by_id=person_id))
    found = [
        entry
        for issue in issues
        for entry in dated(issue, now, reviewers)
        if start <= entry.at < end
    ]
    if person_id:
        found = [entry for entry in found if person_id in entry.people]
    return found


def slot_issues(slots: list[Slot]) -> dict[int, tuple[str, str]]:
    """The issue each slot is for: its story's issue, else the next
    unpublished issue of its newsletter whose copy is due at or after it."""
    if not slots:
        return {}
    story_ids = [story_id for _, _, _, story_id in slots if story_id]
    placed = {
        entry.story_id: entry.issue
        for entry in IssueStory.objects.filter(story_id__in=story_ids).select_related(
            "issue__newsletter"
        )
    }
    # Unpublished issues are few (a handful per newsletter): one query.
    upcoming = list(
        Issue.objects.exclude(status=Status.PUBLISHED)
        .filter(
            newsletter_id__in={newsletter for _, newsletter, _, _ in slots},
            copy_deadline__isnull=False,
        )
        .select_related("newsletter")
        .order_by("copy_deadline", "pk")
    )
    found, labels = {}, {}
    for pk, newsletter_id, due_at, story_id in slots:
        issue = placed.get(story_id) if story_id else None
        if issue is None:
            issue = next(
                (
                    i
                    for i in upcoming
                    if i.newsletter_id == newsletter_id and i.copy_deadline >= due_at  # type: ignore[attr-defined,operator]
                ),
                None,
            )
        if issue is not None:
            if issue.pk not in labels:  # many slots share an issue: one address each
                # Short, for a calendar cell: the newsletter's slug ("ICT no. 7").
                labels[issue.pk] = (
                    f"{issue.newsletter.slug.upper()} no. {issue.number}",
                    reverse("issue_desk:issue_builder", args=[issue.pk]),
                )
            found[pk] = labels[issue.pk]
    return found


def dated(issue: Issue, now: datetime.datetime, reviewers: frozenset[int]) -> list[CalendarEntry]:
    """The issue's deadlines and publication, each an entry."""
    name = f"{issue.newsletter.title} no. {issue.number}"
    editor = issue.created_by.get_username() if issue.created_by else ""  # type: ignore[attr-defined]
    scheduler = issue.scheduled_by.get_username() if issue.scheduled_by else ""  # type: ignore[attr-defined]
    url = reverse("issue_desk:issue_builder", args=[issue.pk])
    published = issue.status == Status.PUBLISHED
    state = issue.get_status_display()
    if issue.is_scheduled:
        state = "Scheduled"
    entries = []
    # The last change the entries show: an edit, or the publication (a
    # transition saves only the fields it moves).
    changed = max(at for at in (issue.updated_at, issue.published_at) if at is not None)

    def add(at: datetime.datetime | None, kind: str, title: str, **extra: object) -> None:
        if at is not None:
            fields: dict = {
                "state": state,
                "overdue": False,
                "people": frozenset(),
                "who": "the reviewers",
            } | extra
            entries.append(
                CalendarEntry(
                    uid=f"issue-{issue.pk}-{kind}",
                    at=at,
                    kind=kind,
                    title=f"{title}: {name}",
                    url=url,
                    newsletter_id=issue.newsletter_id,  # type: ignore[attr-defined]
                    changed=changed,
                    **fields,
                )
            )

    add(
        issue.copy_deadline,
        "copy",
        "Copy due",
        overdue=issue.status == Status.DRAFT and issue.copy_deadline < now,  # type: ignore[operator]
        people=frozenset({issue.created_by_id}),  # type: ignore[attr-defined]
        who=editor,
        done=issue.status != Status.DRAFT,
    )
    add(
        issue.review_deadline,
        "review",
        "Review due",
        overdue=review_overdue(issue, now),
        people=reviewers,
        done=published or issue.is_scheduled,
    )
    if not published and not issue.is_scheduled:
        add(
            issue.planned_publication_at,
            "publication",
            "Planned publication",
            overdue=issue.planned_publication_at < now,  # type: ignore[operator]
            people=reviewers,
        )
    if issue.is_scheduled:
        add(
            issue.scheduled_for,
            "scheduled",
            "Scheduled",
            state="Failed" if issue.schedule_error else "Scheduled",
            overdue=bool(issue.schedule_error),
            people=frozenset({issue.scheduled_by_id}),  # type: ignore[attr-defined]
            who=scheduler,
        )
    if published:
        late = issue.late_by
        add(
            issue.published_at,
            "published",
            "Published",
            state=f"Published {timesince(issue.scheduled_for, issue.published_at)} late"  # type: ignore[arg-type]
            if late
            else "Published",
            who="",
            done=True,
        )
    return entries


def review_overdue(issue: Issue, now: datetime.datetime) -> bool:
    return (
        issue.review_deadline is not None
        and issue.review_deadline < now
        and issue.status != Status.PUBLISHED
        and not issue.is_scheduled
    )


def issue_lapses(now: datetime.datetime) -> list[Lapse]:
    lapses = []
    late_review = Issue.objects.filter(review_deadline__lt=now, scheduled_for__isnull=True).exclude(
        status=Status.PUBLISHED
    )
    reviewers = roles.reviewer_ids()
    for issue in late_review.select_related("newsletter"):
        due = timezone.localtime(issue.review_deadline)  # type: ignore[arg-type]
        for user_id in reviewers:
            lapses.append(
                Lapse(
                    user_id=user_id,
                    key=f"issue-review:{issue.pk}:{issue.review_deadline.isoformat()}",  # type: ignore[union-attr]
                    message=f"{issue.newsletter.title} no. {issue.number} was due for review "
                    f"{due:%-d %B, %H:%M} and is not approved yet.",
                    url=reverse("issue_desk:issue_builder", args=[issue.pk]),
                )
            )
    failed = Issue.objects.filter(status=Status.REVIEW, scheduled_for__isnull=False).exclude(
        schedule_error=""
    )
    for issue in failed.select_related("newsletter"):
        lapses.append(
            Lapse(
                user_id=issue.scheduled_by_id,  # type: ignore[attr-defined,arg-type]
                key=f"issue-schedule:{issue.pk}:{issue.scheduled_for.isoformat()}",  # type: ignore[union-attr]
                message=f"{issue.newsletter.title} no. {issue.number} was not published at its "
                f"scheduled time: {issue.schedule_error}"[:300],
                url=reverse("issue_desk:issue_builder", args=[issue.pk]),
            )
        )
    return lapses
