"""What changed since I last looked: the diff a returning reviewer sees first.

A reviewer last looked at a story when they last acted on it: a transition
(sending it back, approving) or a comment, before the story last came back
to review. The revision current then is the one they reviewed; the review
page shows the text's changes since that revision, and what happened
meanwhile to the threads they started. What they do in the present round
(a comment on the new text) does not move the mark, so the diff stays while
they review.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.html import strip_tags

from newsroom.desk.diffing import Diff, has_changes, word_diff
from newsroom.models import Story
from newsroom.models.comments import Comment
from newsroom.models.stories import REFUSED_EDIT_REASON
from newsroom.review.workflow import SUBMIT, Status

if TYPE_CHECKING:
    from newsroom.review.workflow import User

BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li)>", re.IGNORECASE)


def reading_text(body_html: str) -> str:
    """The body as text, one paragraph a line, for a diff a person reads."""
    return html.unescape(strip_tags(BLOCK_END.sub("\n", body_html or ""))).strip()


@dataclass
class SinceLastLook:
    at: datetime.datetime
    revision: Any
    headline: Diff
    body: Diff
    resolved: list[Comment] = field(default_factory=list)
    # Each of the reviewer's threads answered since, with the new replies.
    answered: list[tuple[Comment, list[Comment]]] = field(default_factory=list)

    @property
    def headline_changed(self) -> bool:
        return has_changes(self.headline)

    @property
    def text_changed(self) -> bool:
        return has_changes(self.headline) or has_changes(self.body)


def last_look(story: Story, user: User) -> datetime.datetime | None:
    transitions = story.transitions.all()  # type: ignore[attr-defined]
    comments = story.comments.filter(author_id=user.pk).order_by("-created_at")  # type: ignore[attr-defined]
    came_back = transitions.filter(transition=SUBMIT.name).values_list("at", flat=True).first()
    if story.status == Status.REVIEW and came_back is not None:
        transitions = transitions.filter(at__lt=came_back)
        comments = comments.filter(created_at__lt=came_back)
    acted = transitions.filter(by_id=user.pk).values_list("at", flat=True).first()
    commented = comments.values_list("created_at", flat=True).first()
    moments = [m for m in (acted, commented) if m is not None]
    return max(moments) if moments else None


def since_last_look(story: Story, user: User) -> SinceLastLook | None:
    """None for a reviewer who never looked (or a story with no revision then)."""
    at = last_look(story, user)
    if at is None:
        return None
    revision = (
        story.history.filter(history_date__lte=at)  # type: ignore[attr-defined]
        .exclude(history_change_reason__startswith=REFUSED_EDIT_REASON)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if revision is None:
        return None
    since = SinceLastLook(
        at=at,
        revision=revision,
        headline=word_diff(revision.headline, story.headline),
        body=word_diff(reading_text(revision.body), reading_text(story.body)),
    )
    mine = story.comments.threads().filter(author_id=user.pk).select_related("resolved_by")  # type: ignore[attr-defined]
    for thread in mine.prefetch_related("replies__author"):
        if thread.resolved_at and thread.resolved_at > at and thread.resolved_by_id != user.pk:
            since.resolved.append(thread)
        new = [r for r in thread.replies.all() if r.created_at > at and r.author_id != user.pk]
        if new:
            since.answered.append((thread, new))
    return since
