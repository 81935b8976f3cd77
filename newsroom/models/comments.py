"""Comments on a passage of a story: threads with replies, resolvable (the
rules of a thread live in newsroom.review.comments).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from newsroom import roles
from newsroom.review.anchoring import Anchor, Found
from newsroom.text import validate_text

if TYPE_CHECKING:
    from newsroom.review.workflow import User

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
