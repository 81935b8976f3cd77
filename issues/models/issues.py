from __future__ import annotations

import datetime
import functools
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from newsroom import roles
from newsroom.models.stories import Newsletter, Story, StoryQuerySet
from newsroom.review import workflow
from newsroom.review.workflow import AuditRow, Status, Transition, WorkflowError, WorkflowModel
from newsroom.text import one_line

if TYPE_CHECKING:
    from issues.models.editions import Correction, CorrectionNote, Edition
    from newsroom.review.workflow import User


def artifact_storage() -> Storage:
    """Published HTML and PDF live here: private, never under MEDIA_URL."""
    return storages["artifacts"]


def format_period(start: datetime.date, end: datetime.date) -> str:
    """'24 - 30 November 2025', '28 November - 4 December 2025',
    '29 December 2025 - 4 January 2026'."""
    if start == end:
        return f"{end.day} {end:%B %Y}"
    if start.year != end.year:
        return f"{start.day} {start:%B %Y} - {end.day} {end:%B %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%B} - {end.day} {end:%B %Y}"
    return f"{start.day} - {end.day} {end:%B %Y}"


def current_subscriptions_q(prefix: str = "", today: datetime.date | None = None) -> models.Q:
    """The one rule of a subscription that gives access today: begun (no
    first day, or one not in the future) and not ended (no last day, or one
    not yet past); the days are the publisher's (NEWSROOM_TIME_ZONE). A
    licence's seats are subscriptions too (issues/readers/licences.py). `prefix`
    reaches Subscription from another model ("newsletter__subscriptions__",
    "subscriptions__"). Asked on every request, so a lapsed reader loses
    access at their next one."""
    day = today if today is not None else timezone.localdate()
    started = models.Q(**{f"{prefix}starts_on__isnull": True}) | models.Q(
        **{f"{prefix}starts_on__lte": day}
    )
    not_ended = models.Q(**{f"{prefix}ends_on__isnull": True}) | models.Q(
        **{f"{prefix}ends_on__gte": day}
    )
    return started & not_ended


class IssueQuerySet(models.QuerySet["Issue"]):
    def published(self) -> IssueQuerySet:
        return self.filter(status=Status.PUBLISHED)


class Issue(WorkflowModel):
    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    number = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Unique within the newsletter."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    stories = models.ManyToManyField(Story, through="IssueStory", related_name="issues", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="issues_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Deadlines, suggested from the newsletter's rhythm and editable.
    copy_deadline = models.DateTimeField(
        null=True, blank=True, help_text="Stories for this issue are due for review."
    )
    review_deadline = models.DateTimeField(
        null=True, blank=True, help_text="The issue is due to be approved."
    )
    planned_publication_at = models.DateTimeField(
        "planned publication", null=True, blank=True, help_text="When it should come out."
    )
    # Scheduled: an issue in review that a reviewer approved for a time. It
    # stays `review` (invisible to subscribers) until the queue publishes it;
    # the time is kept after publication, to tell whether it went out late.
    scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    scheduled_by = workflow.recorded_user()
    # Why the scheduled publication failed, for the desk and the reminder.
    schedule_error = models.TextField(blank=True, editable=False, default="", db_default="")
    # The outbox: set in the publishing transaction when subscribers are to be
    # mailed, cleared once their deliveries are planned (issues.publishing.delivery). A
    # publication whose mail was never queued (an outage in the instant after
    # its commit) is found by the deadline check and mailed then.
    mail_owed = models.BooleanField(default=False, db_default=False, editable=False)

    # The frozen artifacts live in editions (issues.models.editions.Edition): edition
    # 1 is stored when the issue is published, one more per correction.

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "number"],
                name="issue_number_unique_per_newsletter",
                violation_error_message="This newsletter already has an issue with this number.",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1),
                name="issue_number_positive",
                violation_error_message="Issue numbers start at 1.",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="issue_period_ends_after_start",
                violation_error_message="The period cannot end before it starts.",
            ),
            workflow.published_has_date("issue_published_has_date"),
        ]
        indexes = [
            # Desk issue list: ORDER BY period_start DESC, number DESC LIMIT 20.
            models.Index(fields=["-period_start", "-number"], name="issue_recent_idx"),
            # Archive of one newsletter: newsletter_id = %s AND status = 'published'
            # ORDER BY period_start DESC, number DESC.
            models.Index(
                fields=["newsletter", "-period_start", "-number"],
                condition=models.Q(status=Status.PUBLISHED),
                name="issue_published_idx",
            ),
            # Dashboard "issues in progress": NOT status = 'published', newest first.
            models.Index(
                fields=["-period_start", "-number"],
                condition=~models.Q(status=Status.PUBLISHED),
                name="issue_in_progress_idx",
            ),
            # Planning calendar: any of its dates between two instants (one
            # index each, combined by a bitmap OR; issues.publishing.calendar.DATES).
            *(
                models.Index(fields=[date], name=f"issue_{name}_idx")
                for date, name in [
                    ("copy_deadline", "copy_due"),
                    ("review_deadline", "review_due"),
                    ("planned_publication_at", "planned"),
                    ("scheduled_for", "scheduled"),
                    ("published_at", "published_at"),
                ]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.newsletter} no. {self.number} ({self.period})"

    @property
    def is_scheduled(self) -> bool:
        return self.status == Status.REVIEW and self.scheduled_for is not None

    @property
    def late_by(self) -> datetime.timedelta | None:
        """How late a scheduled issue went out (a worker that was down), if
        by more than a minute."""
        if self.scheduled_for is None or self.published_at is None:
            return None
        late = self.published_at - self.scheduled_for
        return late if late > datetime.timedelta(minutes=1) else None

    def get_absolute_url(self) -> str:
        return reverse("issues:issue_detail", args=[self.newsletter.slug, self.number])

    @functools.cached_property
    def latest_edition(self) -> Edition | None:
        """The edition every reader gets by default: the newest one, None until
        published. Uses `edition_list` when a view prefetched it (see
        issues.models.editions.with_editions)."""
        prefetched = getattr(self, "edition_list", None)
        if prefetched is not None:
            return prefetched[-1] if prefetched else None
        return self.editions.order_by("-number").first()  # type: ignore[attr-defined]

    @property
    def period(self) -> str:
        return format_period(self.period_start, self.period_end)

    def ordered_stories(self, correction: Correction | None = None) -> list[Story]:
        """The stories in print order; with `correction`, its story carries the
        corrected text (in memory only: nothing is saved)."""
        stories = [
            entry.story
            for entry in self.entries.select_related("story__source").order_by("position", "pk")
        ]
        if correction is not None:
            stories = [correction.applied_to(story) for story in stories]
        return stories

    def correction_notes(self) -> dict[int, list[CorrectionNote]]:
        """The notes of this issue's published corrections, by story id, oldest first."""
        notes: dict[int, list[CorrectionNote]] = {}
        published = self.corrections.published().select_related("edition")  # type: ignore[attr-defined]
        for correction in published.order_by("edition__number"):
            notes.setdefault(correction.story_id, []).append(correction.published_note())
        return notes

    # Building the issue. Stories come and go, and change places, only while
    # the issue is a draft; each change locks the issue row so that two
    # editors working on one issue cannot interleave their renumbering, and
    # writes an audit row (who, when, what) in the same transaction.

    def check_editable(self) -> None:
        if self.status != Status.DRAFT:
            raise WorkflowError(
                "Stories can be added, removed or reordered only while the issue is a draft."
            )

    def available_stories(self) -> StoryQuerySet:
        """Approved stories of this newsletter that no issue carries yet."""
        # NOT EXISTS, not a LEFT JOIN ... IS NULL: PostgreSQL plans it as an
        # anti-join probing issue entries by story while it walks
        # story_recently_approved_idx newest first, so a page of 20 stops
        # after 20; the outer join was estimated at one row and read all
        # 16,000 (7 s).
        placed = IssueStory.objects.filter(story=models.OuterRef("pk"))
        return (
            Story.objects.published()
            .filter(newsletter=self.newsletter)
            .exclude(models.Exists(placed))
        )

    def check_story_fits(self, story: Story) -> None:
        if story.newsletter_id != self.newsletter_id:  # type: ignore[attr-defined]
            raise ValidationError(f"“{story}” is written for another newsletter.")
        if story.status != Status.PUBLISHED:
            raise ValidationError(f"“{story}” is not approved yet.")
        elsewhere = story.issue_entries.exclude(issue=self).select_related("issue").first()  # type: ignore[attr-defined]
        if elsewhere is not None:
            # A subscriber should never read the same story in two issues.
            raise ValidationError(f"“{story}” is already in issue no. {elsewhere.issue.number}.")

    def add_story(self, story: Story, *, by: User) -> IssueStory:
        with transaction.atomic():
            locked = self._locked_for_building()
            locked.check_story_fits(story)
            if locked.entries.filter(story=story).exists():
                raise ValidationError(f"“{story}” is already in this issue.")
            last = locked.entries.aggregate(models.Max("position"))["position__max"] or 0
            entry = locked.entries.create(story=story, position=last + 1)
            locked._log_building(by, f"Added {_quoted(story)} as story {entry.position}.")
            return entry

    def remove_story(self, story: Story, *, by: User) -> None:
        with transaction.atomic():
            locked = self._locked_for_building()
            order, here = locked._order_and_place_of(story)
            locked.entries.filter(story=story).delete()
            order.remove(story.pk)
            locked._renumber(order)
            locked._log_building(by, f"Removed {_quoted(story)}, which was story {here + 1}.")

    def move_story(self, story: Story, offset: int, *, by: User) -> None:
        """Move `story` up (offset -1) or down (+1); at either end, stay put."""
        with transaction.atomic():
            locked = self._locked_for_building()
            order, here = locked._order_and_place_of(story)
            there = min(max(here + offset, 0), len(order) - 1)
            if here == there:
                return
            order.insert(there, order.pop(here))
            locked._renumber(order)
            locked._log_building(
                by, f"Moved {_quoted(story)} from story {here + 1} to story {there + 1}."
            )

    def set_order(self, story_ids: list[int], *, by: User) -> None:
        """Put the stories in the given order: exactly the stories now in it."""
        with transaction.atomic():
            locked = self._locked_for_building()
            current = locked._order()
            if sorted(story_ids) != sorted(current) or len(set(story_ids)) != len(story_ids):
                raise ValidationError(
                    "The issue changed while you were ordering it; reload and try again."
                )
            if story_ids == current:
                return
            locked._renumber(story_ids)
            headlines = dict(Story.objects.filter(pk__in=story_ids).values_list("pk", "headline"))
            order = "; ".join(
                f"{n}. “{one_line(headlines[pk])}”" for n, pk in enumerate(story_ids, start=1)
            )
            locked._log_building(by, f"Reordered the stories: {order}.")

    def _locked_for_building(self) -> Issue:
        """This issue's row, locked (inside the caller's transaction), if its
        stories may still change."""
        locked = Issue.objects.select_for_update().get(pk=self.pk)
        locked.check_editable()
        return locked

    def _order(self) -> list[int]:
        """The ids of this issue's stories, in order."""
        return [e.story_id for e in self.entries.all()]  # type: ignore[attr-defined]

    def _order_and_place_of(self, story: Story) -> tuple[list[int], int]:
        """The stories' order, and where `story` stands in it."""
        order = self._order()
        if story.pk not in order:
            raise ValidationError(f"“{story}” is not in this issue.")
        return order, order.index(story.pk)

    def _log_building(self, by: User, what: str) -> None:
        self.log_change(by=by, comment=what, note=BUILDER_NOTE)

    def _renumber(self, story_ids: list[int]) -> None:
        entries = {e.story_id: e for e in self.entries.all()}  # type: ignore[attr-defined]
        for position, story_id in enumerate(story_ids, start=1):
            entries[story_id].position = position
        IssueStory.objects.bulk_update(entries.values(), ["position"])

    def role_allows(self, transition: Transition, user: User) -> bool:
        """Whether `user`'s role may ever take `transition` on an issue (the
        desk answers 403 if not); check_rules adds what must hold right now."""
        if transition is workflow.SUBMIT:
            return roles.is_editor(user)
        return roles.is_reviewer(user)

    def check_rules(self, transition: Transition, *, by: User) -> None:
        if transition is workflow.WITHDRAW:
            raise WorkflowError("A published issue cannot be withdrawn.")
        if transition is workflow.RECALL:
            raise WorkflowError("An issue is not recalled: a reviewer requests changes.")
        if not self.role_allows(transition, by):
            if transition is workflow.SUBMIT:
                raise WorkflowError("Only an editor can submit an issue.")
            raise WorkflowError(f"Only a reviewer can {transition.label.lower()}.")
        if transition is workflow.SUBMIT:
            if not self.entries.exists():
                raise WorkflowError("An issue needs at least one story before review.")
            self.check_stories_approved("submitted for review")
        elif self.is_scheduled and (
            transition is not workflow.PUBLISH or timezone.now() < self.scheduled_for  # type: ignore[operator]
        ):
            when = timezone.localtime(self.scheduled_for).strftime("%-d %B %Y, %H:%M")  # type: ignore[arg-type]
            raise WorkflowError(
                f"This issue is scheduled for {when} and read-only: cancel the schedule first."
            )
        if transition is workflow.PUBLISH:
            self.check_stories_approved("published")

    def unapproved_stories(self) -> list[Story]:
        """The stories in this issue that no reviewer has approved, in order."""
        entries = self.entries.exclude(story__status=Status.PUBLISHED).select_related("story")
        return [entry.story for entry in entries.order_by("position", "pk")]

    def check_stories_approved(self, done: str) -> None:
        unapproved = self.unapproved_stories()
        if unapproved:
            names = ", ".join(f"“{s.headline}”" for s in unapproved[:3])
            more = " and more" if len(unapproved) > 3 else ""
            raise WorkflowError(
                f"Every story must be approved before the issue is {done}; not yet: {names}{more}."
            )

    def check_outcome(self, transition: Transition) -> None:
        if transition is workflow.PUBLISH and not self.has_artifacts():
            raise WorkflowError("Nothing was published: the issue's PDF and HTML were not stored.")

    def has_artifacts(self) -> bool:
        """Whether the documents are stored (as edition 1, see issues.models.editions,
        whose rows cannot exist without both files and their checksums)."""
        return self.editions.exists()  # type: ignore[attr-defined]

    # Where the issue stands: which newsletter, which number, which week.
    # Subscribers cite and file issues by it, so once published it is fixed,
    # and every change before that leaves an audit row.
    PLACEMENT = ("newsletter_id", "number", "period_start", "period_end")

    # The placement and status as loaded from the database.
    _loaded: dict[str, Any] | None = None

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Self:
        issue = super().from_db(*args, **kwargs)
        issue._remember_placement()
        return issue

    def _remember_placement(self) -> None:
        self._loaded = {f: self.__dict__.get(f) for f in (*self.PLACEMENT, "status")}

    def placement_changes(self) -> list[str]:
        """What changed in the placement since the row was loaded, in words."""
        loaded = self._loaded
        if loaded is None:
            return []
        return [
            f"{field.removesuffix('_id').replace('_', ' ')}: {loaded[field]} → {getattr(self, field)}"  # noqa: E501
            for field in self.PLACEMENT
            if loaded[field] is not None and loaded[field] != getattr(self, field)
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = self._loaded or {}
        if loaded.get("status") == Status.PUBLISHED and self.placement_changes():
            raise WorkflowError("A published issue keeps its newsletter, number and period.")
        super().save(*args, **kwargs)
        self._remember_placement()

    def log_change(self, *, by: User, comment: str, note: str) -> IssueTransition:
        """An audit row for a change that is not a transition (the status stays)."""
        return self.transitions.create(  # type: ignore[misc]  # a signed-in user
            transition="change",
            from_status=self.status,
            to_status=self.status,
            by=by,
            comment=comment,
            note=note,
        )


# The note on the audit row of a change made in the issue builder.
BUILDER_NOTE = "issue builder"


def _quoted(story: Story) -> str:
    # A headline stored before control characters were refused must not
    # carry them into the audit trail.
    return f"“{one_line(story.headline)}”"


def suggest_next_issue(
    newsletter: Newsletter, today: datetime.date | None = None
) -> dict[str, object]:
    """The next number, and the week after the last issue's period, but
    never a week already past (after a break: this week); for a first
    issue, the coming Monday to Sunday."""
    issues = Issue.objects.filter(newsletter=newsletter)
    last = issues.order_by("-period_end", "-number").first()
    highest = issues.aggregate(models.Max("number"))["number__max"] or 0
    today = today or timezone.localdate()
    if last is not None:
        this_week = today - datetime.timedelta(days=today.weekday())
        start = max(last.period_end + datetime.timedelta(days=1), this_week)
    else:
        start = today + datetime.timedelta(days=(7 - today.weekday()) % 7 or 7)
    end = start + datetime.timedelta(days=6)
    return {"number": highest + 1, "period_start": start, "period_end": end} | suggest_deadlines(
        newsletter, end
    )


# Before the planned publication: copy is due three days ahead, the review a day ahead.
COPY_LEAD = datetime.timedelta(days=3)
REVIEW_LEAD = datetime.timedelta(days=1)


def suggest_deadlines(
    newsletter: Newsletter, period_end: datetime.date
) -> dict[str, datetime.datetime]:
    """Deadlines from the newsletter's rhythm: it comes out on its weekday
    after the period ends."""
    publication = newsletter.next_publication(period_end)
    return {
        "planned_publication_at": publication,
        "review_deadline": publication - REVIEW_LEAD,
        "copy_deadline": publication - COPY_LEAD,
    }


class IssueStory(models.Model):
    """A story's place in an issue."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="entries")
    story = models.ForeignKey(Story, on_delete=models.PROTECT, related_name="issue_entries")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "story in issue"
        verbose_name_plural = "stories in issue"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "story"],
                name="issue_story_once",
                violation_error_message="This story is already in the issue.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.story}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_issue_is_draft()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_issue_is_draft()
        return super().delete(*args, **kwargs)

    def _check_issue_is_draft(self) -> None:
        # The builder asks the same (Issue.check_editable); this holds for
        # the admin's inline and the shell too.
        status = Issue.objects.filter(pk=self.issue_id).values_list("status", flat=True).first()  # type: ignore[attr-defined]
        if status is not None and status != Status.DRAFT:
            raise WorkflowError(
                "Stories can be added, removed or reordered only while the issue is a draft."
            )


class IssueTransition(AuditRow):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="transitions")

    class Meta(AuditRow.Meta):
        indexes = [models.Index(fields=["issue", "-at"])]


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def current(self, today: datetime.date | None = None) -> SubscriptionQuerySet:
        """Subscriptions that give access today (`current_subscriptions_q`)."""
        return self.filter(current_subscriptions_q("", today))

    def lapsed(self, today: datetime.date | None = None) -> SubscriptionQuerySet:
        return self.exclude(current_subscriptions_q("", today))


class Subscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    starts_on = models.DateField(
        "starts on", null=True, blank=True, help_text="The first day of reading, if not at once."
    )
    licence = models.ForeignKey(
        "issues.Licence",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="The organisation's licence this seat comes from (kept in step with it).",
    )
    ends_on = models.DateField(
        "ends on",
        null=True,
        blank=True,
        help_text="The last day of reading (a trial, a complimentary copy); "
        "empty for a subscription that does not lapse.",
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [
            # Reminders and the audience page: ends_on BETWEEN today AND today
            # + 30; and the audience's list, ordered by ends_on (NULLs last),
            # then the reader's address: the index gives the first key, so an
            # incremental sort reads one page's rows, not every subscription.
            # Whole, not partial: the list holds the subscriptions without an end.
            models.Index(fields=["ends_on"], name="subscription_ends_on_idx"),
            # The few that begin after they end (typed so in the admin): the
            # audience's kept totals count them apart (issues.readers.audience).
            models.Index(
                fields=["newsletter"],
                condition=models.Q(starts_on__gt=models.F("ends_on")),
                name="subscription_starts_after_end",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "newsletter"], name="subscription_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.newsletter}"


class Delivery(models.Model):
    """One row per subscriber per issue: the guard against mailing twice."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a sender took this mail on; another may take it over once the "
        "claim is older than NEWSROOM_DELIVERY_LEASE_SECONDS (its sender died).",
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts so far.")
    error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["issue", "user"], name="delivery_once"),
        ]
        indexes = [
            # Delivery claims and progress: issue_id = %s AND sent_at IS NULL.
            models.Index(
                fields=["issue", "claimed_at"],
                condition=models.Q(sent_at__isnull=True),
                name="delivery_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.user}"
