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
- `dashboard_panels(request)`: panels the desk dashboard shows below its own,
  each a template name and its context, for the signed-in desk user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class DeskPanel:
    """A panel on the desk dashboard, rendered with `{% include template %}`."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


class PublishingRoom:
    """The questions, answered as by a newsroom that publishes nothing."""

    def published_issue_numbers(self, story_ids: Iterable[int]) -> dict[int, int]:
        return {}

    def dashboard_panels(self, request: HttpRequest) -> list[DeskPanel]:
        return []


_room = PublishingRoom()


def connect(room: PublishingRoom) -> None:
    """Called once by the publishing room's AppConfig.ready()."""
    global _room
    _room = room


def publishing_room() -> PublishingRoom:
    return _room
