"""Comment threads as the desk pages show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsroom.models import Story
from newsroom.models.comments import Comment

if TYPE_CHECKING:
    from newsroom.review.workflow import User


def threads_for(story: Story, user: User) -> list[Comment]:
    """The story's threads, each marked with whether `user` may resolve it."""
    threads = list(story.comments.for_page())  # type: ignore[attr-defined]
    for thread in threads:
        thread.story = story
        thread.resolvable = thread.is_open and thread.can_resolve(user)  # type: ignore[attr-defined]
    return threads


def anchors(threads: list[Comment]) -> list[dict[str, Any]]:
    """Where to mark open threads in the rendered story (JSON for the page)."""
    return [
        {"id": t.pk, "story": t.story_id, "start": t.start, "end": t.end}
        for t in threads
        if t.is_open and not t.lost and t.end > t.start
    ]
