"""The publishing room's answers to the writing room's questions
(newsroom.extension), connected in IssuesConfig.ready()."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.http import HttpRequest

from issues.models import Issue, IssueStory
from issues.publishing import calendar
from issues.publishing.delivery import requeue_owed_mail
from issues.publishing.scheduling import publish_overdue_schedules, requeue_lost_publications
from issues.readers.lapsing import subscription_end_lapses
from newsroom.extension import DeskPanel, Lapse, PublishingRoom, ScheduledIssue
from newsroom.review.workflow import Status

PANEL_SIZE = 10


class IssuesRoom(PublishingRoom):
    def published_issue_numbers(self, story_ids: Iterable[int]) -> dict[int, int]:
        placed = IssueStory.objects.filter(
            story_id__in=list(story_ids), issue__status=Status.PUBLISHED
        ).values_list("story_id", "issue__number")
        return dict(placed)

    def scheduled_issues(self, story_ids: Iterable[int]) -> dict[int, ScheduledIssue]:
        placed = IssueStory.objects.filter(
            story_id__in=list(story_ids),
            issue__status=Status.REVIEW,
            issue__scheduled_for__isnull=False,
        ).values_list("story_id", "issue__number", "issue__scheduled_for")
        return {story_id: (number, when) for story_id, number, when in placed if when}

    def dashboard_panels(self, request: HttpRequest) -> list[DeskPanel]:
        in_progress = (
            Issue.objects.exclude(status=Status.PUBLISHED)
            .select_related("newsletter")
            .order_by("-period_start", "-number")[:PANEL_SIZE]
        )
        return [
            DeskPanel("issues/desk/_issues_in_progress_panel.html", {"issues": list(in_progress)})
        ]

    calendar_entries = staticmethod(calendar.issue_entries)
    slot_issues = staticmethod(calendar.slot_issues)

    def lapses(self, now: datetime.datetime) -> list[Lapse]:

        return [*calendar.issue_lapses(now), *subscription_end_lapses(now)]

    def catch_up(self, now: datetime.datetime) -> None:

        publish_overdue_schedules(now)
        requeue_lost_publications(now)
        requeue_owed_mail(now)
