from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from newsroom import roles
from newsroom.extension import ScheduledIssue, publishing_room
from newsroom.review.comments import reanchor_comments
from newsroom.review.workflow import (
    PUBLISH,
    RECALL,
    REQUEST_CHANGES,
    SUBMIT,
    WITHDRAW,
    AuditRow,
    Status,
    Transition,
    WorkflowError,
    published_has_date,
    recorded_user,
)
from newsroom.text import one_line, validate_line, validate_text
from newsroom.writing.sanitizing import BODY_EXTENSIONS, sanitize_body
from newsroom.writing.search import search_stories
from newsroom.writing.story_shape import BODY_HELP, count_words, submit_problem
from newsroom.writing.versioned import EditConflict as EditConflict  # where the desk imports it
from newsroom.writing.versioned import VersionedText

# The transitions that hand a story back to its author with a reviewer's words.
SENT_BACK = [REQUEST_CHANGES.name, WITHDRAW.name]

if TYPE_CHECKING:
    from newsroom.review.workflow import User


class OpenComments(WorkflowError):
    """Approval refused while comment threads are open."""

    def __init__(self, count: int) -> None:
        threads = "1 comment is" if count == 1 else f"{count} comments are"
        super().__init__(
            f"{threads} still open: resolve them first, or resolve them all as you approve."
        )
        self.count = count


# What an edit may change; status only ever changes through the workflow.
EDITABLE_FIELDS = ["headline", "body", "source", "newsletter", "original_url"]
REFUSED_EDIT_REASON = "Conflicting edit, not applied"


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


# A source field suggests at most this many names as the editor types.
SUGGESTED_SOURCES = 20
SOURCE_NAME_LENGTH = 120


class SourceQuerySet(models.QuerySet["Source"]):
    def named(self, name: str) -> SourceQuerySet:
        """Sources are one per name, whatever its case."""
        return self.filter(name__iexact=name.strip())

    def with_story_count(self) -> SourceQuerySet:
        return self.annotate(story_count=Count("stories"))

    def suggest(self, text: str, limit: int = SUGGESTED_SOURCES) -> list[str]:
        """At most `limit` names for a source field's suggestions: those that
        start with `text` (any case) first, then those that contain it.

        The first query is served on PostgreSQL by source_name_prefix_idx
        (lower(name) text_pattern_ops, migration 0012); the second reads the
        rest of the sources table only when the prefix found fewer than
        `limit`, and stops at `limit` (sources number in the thousands).
        """
        text = one_line(text).lower()[:SOURCE_NAME_LENGTH]  # no NUL reaches PostgreSQL
        named = self.alias(lname=Lower("name")).order_by("lname")
        names = list(named.filter(lname__startswith=text).values_list("name", flat=True)[:limit])
        if text and len(names) < limit:
            within = named.filter(lname__contains=text).exclude(lname__startswith=text)
            names += within.values_list("name", flat=True)[: limit - len(names)]
        return names


class Newsletter(models.Model):
    title = models.CharField(
        max_length=200,
        unique=True,
        validators=[validate_line],
        help_text="The sector, as printed under the masthead, e.g. "
        "“Information and Communication Technology (ICT)”.",
    )
    slug = models.SlugField(max_length=50, unique=True, help_text="Used in addresses, e.g. “ict”.")
    description = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text="One or two sentences for the landing page.",
    )
    open_to_self_signup = models.BooleanField(
        "open to self sign-up",
        # In the database too: code that predates the column (a rolling
        # deploy, older migrations' models) still inserts newsletters.
        default=False,
        db_default=False,
        help_text="Subscribers may add this newsletter themselves on their account page. "
        "Otherwise only staff grant it.",
    )
    archival_pdf = models.BooleanField(
        "archival PDF (PDF/A-3b)",
        default=False,
        # In the database too, so that a process still running the previous
        # release (or a migration test's historical model) can add rows.
        db_default=False,
        help_text="Print each issue as PDF/A-3b, for archives and legal deposit: the same "
        "tagged, accessible PDF, with the issue's HTML document embedded in it.",
    )
    # The rhythm: a weekly newsletter comes out on one weekday, at one time
    # of the publisher's day (NEWSROOM_TIME_ZONE). Issue deadlines are
    # suggested from it.
    # Defaults in the database too, so that code of the previous release
    # (still running during a deploy) can insert newsletters.
    publication_weekday = models.PositiveSmallIntegerField(
        choices=WEEKDAYS,
        default=0,
        db_default=0,
        help_text="The day of the week each issue comes out.",
    )
    publication_time = models.TimeField(
        default=datetime.time(9, 0),
        db_default=datetime.time(9, 0),
        help_text="The time of day each issue comes out, in the publisher's time zone.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def next_publication(self, after: datetime.date) -> datetime.datetime:
        """The first publication time of this newsletter on a day after `after`
        (an issue's last day), in the publisher's time zone."""
        days = (self.publication_weekday - after.weekday() - 1) % 7 + 1
        day = after + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, self.publication_time))


class Source(models.Model):
    name = models.CharField(
        max_length=SOURCE_NAME_LENGTH,
        validators=[validate_line],
        help_text="As cited at the end of a story, e.g. “China Daily”.",
    )
    homepage = models.URLField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="source_name_unique_ci",
                violation_error_message="A source with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def merge_into(self, target: Source, *, by: User) -> int:
        """Move every story citing this source to `target`, then delete this
        duplicate. Each moved story gets a new version and a history record,
        so an editor with an open form is told rather than overwritten."""
        if target.pk == self.pk:
            raise ValueError("A source cannot be merged into itself.")
        with transaction.atomic():
            stories = Story.objects.select_for_update().filter(source=self)
            moved = list(stories)
            stories.update(source=target, version=F("version") + 1)
            for story in moved:
                story.source = target
                story.version += 1
            Story.history.bulk_history_create(  # type: ignore[attr-defined]
                moved,
                update=True,
                default_user=by,
                default_change_reason=f"Source “{self}” merged into “{target}”",
            )
            self.delete()
        return len(moved)


# A story's status in words (the stored values are the workflow's).
STORY_STATUS_WORDS = {
    Status.DRAFT: "Draft",
    Status.REVIEW: "In review",
    Status.PUBLISHED: "Approved",
}


class StatusBadge(NamedTuple):
    kind: str  # draft, review, approved or in-issue: .status-badge-<kind>
    label: str


def label_stories(stories: Iterable[Story]) -> list[Story]:
    """The stories, each knowing the published issue it is in (one query for
    the whole list), so that `status_label` asks nothing more."""
    stories = list(stories)
    approved = [story.pk for story in stories if story.status == Status.PUBLISHED]
    numbers = publishing_room().published_issue_numbers(approved) if approved else {}
    for story in stories:
        story.__dict__["_issue_number"] = numbers.get(story.pk)
    return stories


class StoryQuerySet(models.QuerySet["Story"]):
    def published(self) -> StoryQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def in_review(self) -> StoryQuerySet:
        return self.filter(status=Status.REVIEW)

    def drafts(self) -> StoryQuerySet:
        return self.filter(status=Status.DRAFT)

    def for_desk(self) -> StoryQuerySet:
        """What every desk list shows next to a headline, in one query."""
        return self.select_related("source", "newsletter", "author")

    def with_last_transition(self) -> StoryQuerySet:
        """Annotate the latest transition's name, comment and actor, so a list
        can say "sent back: <comment>" without a query per story."""
        latest = StoryTransition.objects.filter(story=OuterRef("pk")).order_by("-at", "-pk")
        return self.annotate(
            last_transition=Subquery(latest.values("transition")[:1]),
            last_comment=Subquery(latest.values("comment")[:1]),
            last_by=Subquery(latest.values("by__username")[:1]),
        )

    def sent_back(self) -> StoryQuerySet:
        """Drafts whose last transition was a reviewer's request for changes,
        or a withdrawal (with its reason): those the workflow marked with
        `sent_back_at`."""
        return self.drafts().filter(sent_back_at__isnull=False)

    def search(self, query: str) -> StoryQuerySet:

        return search_stories(self, query)


class Story(VersionedText):
    headline = models.CharField(max_length=200, validators=[validate_line])
    body = ProseEditorField(
        extensions=BODY_EXTENSIONS,
        sanitize=sanitize_body,
        blank=True,
        validators=[validate_text],
        help_text=BODY_HELP,
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stories",
        help_text="Cited in bold at the end of the story.",
    )
    original_url = models.URLField("link to the original article", max_length=500, blank=True)
    newsletter = models.ForeignKey(
        Newsletter,
        on_delete=models.PROTECT,
        related_name="stories",
        help_text="The newsletter this story is written for.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="stories",
        help_text="Who wrote it; never changes (a reviewer may not approve it).",
    )
    last_edited_by = recorded_user(
        help_text="Who saved the current text; empty while it is the author's first draft. "
        "Neither may approve it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by every edit; an edit made from an older version is refused.",
    )
    # Kept by the workflow (mark_transition) so that "Sent back to me" is an
    # index read, not a look at each draft's last audit row.
    sent_back_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a reviewer last sent this draft back to its author (requested "
        "changes or withdrew it); empty once it moves on.",
    )

    # The history holds the text and status; when a story was sent back is
    # in its transitions.
    history = HistoricalRecords(excluded_fields=["updated_at", "sent_back_at"])
    objects = StoryQuerySet.as_manager()
    reason_required = {
        **VersionedText.reason_required,
        WITHDRAW: "Say why you withdraw it: the author sees your reason.",
    }

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-updated_at", "-pk"]
        permissions = [("review_story", "Can approve stories or send them back")]
        constraints = [
            published_has_date("story_published_has_date"),
        ]
        # Each index serves the query named beside it; EXPLAIN at 100k stories
        # showed a sequential scan and a sort of every row without it
        # (tests/test_query_plans.py keeps them in use on PostgreSQL).
        indexes = [
            # Story list, unfiltered: ORDER BY updated_at DESC, id DESC LIMIT 20.
            models.Index(fields=["-updated_at", "-id"], name="story_recent_idx"),
            # Review queue and the reviewer's panel: status = 'review' ORDER BY updated_at.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status=Status.REVIEW),
                name="story_in_review_idx",
            ),
            # Approved stories, newest first: the dashboard's "recently approved"
            # (status = 'published' ORDER BY published_at DESC) and the issue
            # builder's page of one newsletter's waiting stories (the same
            # order, filtered by newsletter and anti-joined to issue entries;
            # at 100k the planner prefers this to a per-newsletter index).
            # The newsletter is in the index so that the builder's walk skips
            # other newsletters' stories without reading their rows (its
            # count of up to 1,001 matches of a search: 9 ms at 100k, 2.4 ms).
            models.Index(
                fields=["-published_at", "newsletter"],
                condition=models.Q(status=Status.PUBLISHED),
                name="story_recently_approved_idx",
            ),
            # Dashboard panels of one author: author_id = %s AND status = %s
            # ORDER BY updated_at DESC (my drafts, my stories in review).
            models.Index(
                fields=["author", "status", "-updated_at"], name="story_author_status_idx"
            ),
            # "Sent back to me": author_id = %s AND status = 'draft' AND
            # sent_back_at IS NOT NULL ORDER BY sent_back_at DESC, id DESC LIMIT 10.
            # Only sent-back drafts are in it, a few per author.
            models.Index(
                fields=["author", "-sent_back_at", "-id"],
                condition=models.Q(status=Status.DRAFT, sent_back_at__isnull=False),
                name="story_sent_back_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("desk:story_detail", args=[self.pk])

    # The author as loaded from the database (None for a story not saved yet).
    _loaded_author_id: int | None = None

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Self:
        story = super().from_db(*args, **kwargs)
        story._loaded_author_id = story.__dict__.get("author_id")
        return story

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every path that writes a body (forms, admin, importer, shell) goes
        # through here, so nothing unsanitised reaches the database.
        self.body = sanitize_body(self.body or "", headline=self.headline)
        loaded = self._loaded_author_id
        if loaded is not None and self.author_id != loaded:  # type: ignore[attr-defined]
            # Four eyes: whoever could move a story to another author could
            # then approve what they wrote.
            raise WorkflowError("The author of a story cannot be changed.")
        super().save(*args, **kwargs)
        self._loaded_author_id = self.author_id  # type: ignore[attr-defined]

    @property
    def body_text(self) -> str:
        return strip_tags(self.body).strip()

    @property
    def word_count(self) -> int:
        # One count everywhere, the story form's live counter included.
        return count_words(self.body)

    EDIT_FIELDS = EDITABLE_FIELDS

    def edit_accepted(self, *, by: User, reason: str) -> list[str]:
        self.refresh_from_db(fields=["status", "published_at"])
        self.last_edited_by = by  # type: ignore[assignment]
        self._history_user = by
        self._change_reason = reason
        return ["last_edited_by"]

    def edit_saved(self, *, by: User) -> None:
        reanchor_comments(self)

    def edit_refused(self, *, by: User, based_on: int) -> None:
        """The refused text is kept as a history record marked "not
        applied", so both texts are in the history."""
        self._keep_refused_edit(by=by, based_on=based_on)

    def _keep_refused_edit(self, *, by: User, based_on: int) -> None:
        attempt = copy.copy(self)
        attempt.version = based_on
        Story.history.bulk_history_create(  # type: ignore[attr-defined]
            [attempt],
            update=True,
            default_user=by,
            default_change_reason=f"{REFUSED_EDIT_REASON} (made from version {based_on})",
        )

    def published_issue_number(self) -> int | None:
        """The number of the published issue this story is in, if any (as
        `label_stories` found it for a list, else asked now)."""
        if "_issue_number" in self.__dict__:
            return self.__dict__["_issue_number"]  # type: ignore[no-any-return]
        return publishing_room().published_issue_numbers([self.pk]).get(self.pk)

    def scheduled_issue(self) -> ScheduledIssue | None:
        """The number and time of the scheduled issue this story is in, if any."""
        return publishing_room().scheduled_issues([self.pk]).get(self.pk)

    def status_word(self, status: Status) -> str:
        return STORY_STATUS_WORDS[status]

    def transition_word(self, transition: Transition) -> str:
        return "Approve" if transition is PUBLISH else transition.label

    def status_label(self) -> str:
        """The status in the desk's words: a story a reviewer approved is
        "Approved" (ready for an issue), and "In issue no. N" once that issue
        is published; only issues are ever "Published"."""
        return self.status_badge().label

    def status_badge(self) -> StatusBadge:
        """The status label and the badge it wears (css/newsroom.css): a story
        in a published issue wears the published issue's colour, never the
        green of "Approved"."""
        if self.status != Status.PUBLISHED:
            return StatusBadge(self.status, self.get_status_display())
        number = self.published_issue_number()
        if number:
            return StatusBadge("in-issue", f"In issue no. {number}")
        return StatusBadge("approved", STORY_STATUS_WORDS[Status.PUBLISHED])

    def role_allows(self, transition: Transition, user: User) -> bool:
        """Whether `user`'s role may ever take `transition` on this story (the
        desk answers 403 if not); check_rules adds what must hold right now."""
        if transition is SUBMIT:
            return self.author_id == user.pk or roles.is_editor(user)
        if transition is RECALL:
            return self.author_id == user.pk and roles.is_editor(user)
        return roles.is_reviewer(user)

    def check_rules(self, transition: Transition, *, by: User) -> None:
        if not self.role_allows(transition, by):
            if transition is SUBMIT:
                raise WorkflowError("Only the author or an editor can submit a story.")
            if transition is RECALL:
                raise WorkflowError("Only the story's author can recall it from review.")
            raise WorkflowError(f"Only a reviewer can {self.transition_word(transition).lower()}.")
        if transition is SUBMIT:
            missing = [
                label
                for label, value in [
                    ("a headline", self.headline.strip()),
                    ("a body", self.body_text),
                    ("a source", self.source_id),
                ]
                if not value
            ]
            if missing:
                raise WorkflowError("A story needs " + ", ".join(missing) + " before review.")
            if problem := submit_problem(self.body):
                raise WorkflowError(problem)
        elif transition is PUBLISH and self.author_id == by.pk:
            raise WorkflowError("Nobody approves their own story: ask another reviewer.")
        elif transition is PUBLISH and self.last_edited_by_id == by.pk:  # type: ignore[attr-defined]
            raise WorkflowError(
                "You edited the current text of this story: another reviewer approves it."
            )
        elif transition is PUBLISH and (open_threads := self.comments.open().count()):  # type: ignore[attr-defined]
            raise OpenComments(open_threads)
        elif transition is WITHDRAW and self.published_issue_number() is not None:
            raise WorkflowError("This story is in a published issue and cannot be withdrawn.")
        elif transition is WITHDRAW and (scheduled := self.scheduled_issue()):
            number, when = scheduled
            raise WorkflowError(
                f"This story is in issue no. {number}, scheduled for publication"
                f" {timezone.localtime(when):%-d %B %Y, %H:%M}: a reviewer cancels"
                " that schedule first, or the issue would go out without it."
            )

    def mark_transition(self, transition: Transition, *, at: datetime.datetime) -> list[str]:
        """A story sent back to its author is marked for their dashboard;
        any other transition (submitted again, recalled, approved) clears it."""
        self.sent_back_at = at if transition.name in SENT_BACK else None
        return ["sent_back_at"]

    def last_request_for_changes(self) -> StoryTransition | None:
        return self.transitions.filter(transition=REQUEST_CHANGES.name).first()  # type: ignore[attr-defined]


class StoryTransition(AuditRow):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="transitions")

    class Meta(AuditRow.Meta):
        indexes = [models.Index(fields=["story", "-at"])]

    # In the desk's words: a story moves from "In review" to "Approved".
    @property
    def action_words(self) -> str:
        return "approve" if self.transition == PUBLISH.name else self.transition.replace("_", " ")

    @property
    def from_words(self) -> str:
        return STORY_STATUS_WORDS[Status(self.from_status)]

    @property
    def to_words(self) -> str:
        return STORY_STATUS_WORDS[Status(self.to_status)]
