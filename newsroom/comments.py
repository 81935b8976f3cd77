"""Comments on a passage of a story: threads with replies, resolvable.

A thread starts with a comment on a passage (its quote and anchor, see
newsroom.anchoring) and collects replies. A desk user or an outside reviewer
(known only by the email address of their invitation) may write one. The
author of the story, a reviewer or whoever started the thread may resolve it;
an open thread holds up approval (Story.check_rules).

Every change here happens in one transaction with the notice that tells the
people in the thread (newsroom.notices), which a task mails after commit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from newsroom import roles
from newsroom.anchoring import Anchor, Found, anchor_at, plain_text, reanchored
from newsroom.text import validate_text

if TYPE_CHECKING:
    from newsroom.models import Story
    from newsroom.workflow import User

MAX_COMMENT = 2000


class CommentError(Exception):
    """A refused comment or resolution; the message is for the person who asked."""


class CommentQuerySet(models.QuerySet["Comment"]):
    def threads(self) -> CommentQuerySet:
        return self.filter(parent__isnull=True)

    def open(self) -> CommentQuerySet:
        return self.threads().filter(resolved_at__isnull=True)

    def for_page(self) -> CommentQuerySet:
        """Threads with their replies and people, oldest passage first."""
        return (
            self.threads()
            .select_related("author", "resolved_by")
            .prefetch_related(
                models.Prefetch(
                    "replies", queryset=Comment.objects.select_related("author").order_by("pk")
                )
            )
            .order_by("start", "pk")
        )


class Comment(models.Model):
    story = models.ForeignKey("newsroom.Story", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The thread this is a reply to; empty for the comment that starts one.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author_email = models.EmailField(
        blank=True, help_text="An outside reviewer, known by the address they were invited at."
    )
    text = models.TextField(validators=[validate_text])
    quote = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text="The passage commented on, as it read then.",
    )
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    anchor = models.CharField(
        max_length=8,
        choices=[(f.value, f.value) for f in Found],
        default=Found.EXACT.value,
        help_text="exact: the words are still there; edited: the passage was "
        "reworded; lost: the passage changed beyond recognition.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["story", "parent", "resolved_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(author__isnull=False) & models.Q(author_email=""))
                | (models.Q(author__isnull=True) & ~models.Q(author_email="")),
                name="comment_by_a_user_or_an_outside_reviewer",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="comment_anchor_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who}: {self.text[:40]}"

    @property
    def who(self) -> str:
        if self.author_id is not None:
            return self.author.get_full_name() or self.author.get_username()  # type: ignore[union-attr]
        return self.author_email

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def lost(self) -> bool:
        return self.anchor == Found.LOST

    def as_anchor(self) -> Anchor:
        return Anchor(self.quote, self.start, self.end, self.prefix, self.suffix)

    def can_resolve(self, user: User) -> bool:
        if not roles.is_desk_user(user):
            return False
        return (
            roles.is_reviewer(user)
            or self.story.author_id == user.pk
            or (self.author_id is not None and self.author_id == user.pk)
        )


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
    from newsroom.notices import note_comment

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
    from newsroom.notices import note_comment

    with transaction.atomic():
        answer = Comment.objects.create(
            story=thread.story, parent=thread, text=text, **_writer(by, email)
        )
        note_comment(answer, also_tell=also_tell)
    return answer


def resolve(thread: Comment, *, by: User) -> None:
    if not thread.can_resolve(by):
        raise CommentError("Only a reviewer, the author or whoever started it resolves a thread.")
    from newsroom.notices import note_resolved

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
