"""The publishing room's answers to the writing room's questions
(newsroom.extension), connected in IssuesConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from issues.models import Issue, IssueStory
from newsroom.extension import DeskPanel, PublishingRoom
from newsroom.workflow import Status

PANEL_SIZE = 10


class IssuesRoom(PublishingRoom):
    def published_issue_numbers(self, story_ids: Iterable[int]) -> dict[int, int]:
        placed = IssueStory.objects.filter(
            story_id__in=list(story_ids), issue__status=Status.PUBLISHED
        ).values_list("story_id", "issue__number")
        return dict(placed)

    def dashboard_panels(self, request: HttpRequest) -> list[DeskPanel]:
        in_progress = (
            Issue.objects.exclude(status=Status.PUBLISHED)
            .select_related("newsletter")
            .order_by("-period_start", "-number")[:PANEL_SIZE]
        )
        return [
            DeskPanel("issues/desk/_issues_in_progress_panel.html", {"issues": list(in_progress)})
        ]
