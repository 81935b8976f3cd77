"""Comments on a passage of a story: threads with replies, resolvable.

A thread starts with a comment on a passage (its quote and anchor, see
newsroom.review.anchoring) and collects replies. A desk user or an outside reviewer
(known only by the email address of their invitation) may write one. The
author of the story, a reviewer or whoever started the thread may resolve it;
an open thread holds up approval (Story.check_rules).

Every change here happens in one transaction with the notice that tells the
people in the thread (newsroom.review.thread_mail), which a task mails after commit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from newsroom.models.comments import MAX_COMMENT, Comment, CommentError
from newsroom.review.anchoring import anchor_at, plain_text, reanchored
from newsroom.review.thread_mail import note_comment, note_resolved
from newsroom.text import validate_text

if TYPE_CHECKING:
    from newsroom.models import Story
    from newsroom.review.workflow import User


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CommentError("Write a comment first.")
    if len(text) > MAX_COMMENT:
        raise CommentError(f"Keep a comment under {MAX_COMMENT} characters.")
    try:
        validate_text(text)
    except ValidationError as error:
        raise CommentError(error.messages[0]) from error
    return text


def _writer(by: User | None, email: str) -> dict[str, Any]:
    if by is not None and by.is_authenticated:
        return {"author": by}
    if email:
        return {"author_email": email}
    raise CommentError("Sign in first.")


def comment_on_passage(
    story: Story,
    *,
    text: str,
    quote: str,
    near: int = 0,
    by: User | None = None,
    email: str = "",
    also_tell: Collection[str] = (),
) -> Comment:
    """Start a thread on `quote`, the passage selected near offset `near`.
    `also_tell`: addresses told besides the thread's people (whoever invited
    an outside reviewer hears of their comments)."""
    text = _clean_text(text)
    anchor = anchor_at(plain_text(story.body), quote, near)
    if anchor is None:
        raise CommentError(
            "Select a passage of the story's text to comment on (the text may have"
            " changed since you loaded the page: reload it)."
        )

    with transaction.atomic():
        comment = Comment.objects.create(
            story=story,
            text=text,
            quote=anchor.quote,
            start=anchor.start,
            end=anchor.end,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            **_writer(by, email),
        )
        note_comment(comment, also_tell=also_tell)
    return comment


def comment_on_posted_passage(
    story: Story,
    posted: Mapping[str, str],
    *,
    by: User | None = None,
    email: str = "",
    also_tell: Collection[str] = (),
) -> Comment:
    """`comment_on_passage` with what a comment form posts: `text`, `quote`
    and `near` (the selection's offset; anything but a number counts as 0)."""
    try:
        near = max(0, int(posted.get("near", "0")))
    except ValueError:
        near = 0
    return comment_on_passage(
        story,
        text=posted.get("text", ""),
        quote=posted.get("quote", ""),
        near=near,
        by=by,
        email=email,
        also_tell=also_tell,
    )


def reply(
    thread: Comment,
    *,
    text: str,
    by: User | None = None,
    email: str = "",
    also_tell: Collection[str] = (),
) -> Comment:
    text = _clean_text(text)
    if thread.parent_id is not None:
        raise CommentError("Reply to the thread, not to a reply.")

    with transaction.atomic():
        answer = Comment.objects.create(
            story=thread.story, parent=thread, text=text, **_writer(by, email)
        )
        note_comment(answer, also_tell=also_tell)
    return answer


def resolve(thread: Comment, *, by: User) -> None:
    if not thread.can_resolve(by):
        raise CommentError("Only a reviewer, the author or whoever started it resolves a thread.")

    with transaction.atomic():
        updated = Comment.objects.filter(pk=thread.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=by
        )
        if updated:
            thread.refresh_from_db(fields=["resolved_at", "resolved_by"])
            note_resolved(thread)


def resolve_all_open(story: Story, *, by: User) -> int:
    """Resolve every open thread of `story` (a reviewer approving anyway)."""
    threads = list(story.comments.open().select_related("story"))  # type: ignore[attr-defined]
    for thread in threads:
        resolve(thread, by=by)
    return len(threads)


def reanchor_comments(story: Story) -> None:
    """Find each thread's passage in the story's current text; called in the
    transaction that saves an edit."""
    text = plain_text(story.body)
    for thread in story.comments.threads():  # type: ignore[attr-defined]
        where, new = reanchored(text, thread.as_anchor())
        thread.start, thread.end = new.start, new.end
        thread.prefix, thread.suffix = new.prefix, new.suffix
        thread.anchor = where.found.value
        thread.save(update_fields=["start", "end", "prefix", "suffix", "anchor"])
