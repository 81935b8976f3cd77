"""Realistic data at any size, for benchmarks and load tests.

    manage.py generate_load --stories 100000 --issues 5000 --subscribers 20000 --newsletters 5

Everything is bulk-inserted (no workflow calls, no signals, no mail): the
rows look like years of use (audit rows, a first revision per story,
subscriptions), but are written in large batches. Published issues share one
rendered artifact per newsletter, so generating does not render 5,000 PDFs.
Generated newsletters and users carry a `load-r<run>-` prefix; the command
refuses a database that holds anything else unless --force.

The audience is there too: a publisher (`<prefix>publisher`, staff who may
add accounts), one organisation per 100 readers with a licence to one or
two newsletters, some of whose readers hold its seats and one of whom is its
contact; individual subscriptions ending soon or ended; and downloads
counted for most readers, so that "never downloaded" means something.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission, User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from issues.models import Issue, IssueStory, IssueTransition, Subscription
from issues.models.editions import Edition
from issues.models.issues import COPY_LEAD, REVIEW_LEAD
from issues.models.licences import Licence, Organisation, Seat
from issues.models.reach import Channel, Document, DownloadCount
from issues.models.subscribers import ReaderProfile
from issues.progress import Progress
from issues.publishing.publish import count_pages
from issues.readers.licences import seat_subscription
from issues.rendering import documents
from newsroom import roles
from newsroom.models import Newsletter, Source, Story, StoryTransition
from newsroom.models.planning import Assignment
from newsroom.review.workflow import Status

LOAD_PASSWORD = "generate-load"  # noqa: S105 - the known login of generated users
BATCH = 2000
STORIES_PER_ISSUE = 8
ASSIGNMENTS_A_WEEK = 3
READERS_PER_ORGANISATION = 100
SEATS_PER_LICENCE = 20
SEATS_TAKEN = 15
# Of the readers' own subscriptions (the first reader's excepted: the
# benchmarks read as them), these shares end within 30 days and have ended.
ENDING_SHARE, ENDED_SHARE = 0.03, 0.06
DOWNLOADED_SHARE = 0.6  # readers with at least one counted download
RUN_SLUG = re.compile(r"^load-r(\d+)-")

WORDS = [
    "network",
    "data",
    "centre",
    "fibre",
    "operator",
    "ministry",
    "broadband",
    "satellite",
    "chip",
    "cloud",
    "spectrum",
    "licence",
    "regulator",
    "start-up",
    "platform",
    "privacy",
    "security",
    "outage",
    "tariff",
    "research",
    "model",
    "software",
    "hardware",
    "supplier",
    "contract",
    "province",
    "council",
    "grid",
    "quarter",
    "investment",
    "export",
    "customs",
    "consumer",
    "school",
    "hospital",
    "port",
    "railway",
    "energy",
    "storage",
    "battery",
    "sensor",
    "mobile",
    "tower",
    "cable",
    "subsea",
    "payment",
    "bank",
    "app",
    "launch",
    "pilot",
    "rollout",
    "audit",
    "standard",
    "agreement",
    "partnership",
    "survey",
    "report",
]
VERBS = [
    "opens",
    "signs",
    "expands",
    "delays",
    "launches",
    "tests",
    "approves",
    "cuts",
    "doubles",
    "wins",
]


@contextlib.contextmanager
def generated_dates(model: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the dates we generated: auto_now and auto_now_add
    would stamp every row with the time of the run."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def batched[T](items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Command(BaseCommand):
    help = "Bulk-insert realistic newsletters, stories, issues and subscribers for load tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stories", type=int, default=1000)
        parser.add_argument("--issues", type=int, default=50)
        parser.add_argument("--subscribers", type=int, default=200)
        parser.add_argument("--newsletters", type=int, default=2)
        parser.add_argument("--sources", type=int, default=None, help="default: stories / 50")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even though the database holds content that this command did not make",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.random = random.Random(options["seed"])  # noqa: S311 - sample data, not secrets
        self.progress_out: TextIO = getattr(self.stderr, "_out", sys.stderr)
        counts = {k: options[k] for k in ("stories", "issues", "subscribers", "newsletters")}
        if min(counts.values()) < 0 or counts["newsletters"] < 1:
            raise CommandError("Counts cannot be negative, and at least one newsletter is needed.")
        if counts["issues"] * STORIES_PER_ISSUE > counts["stories"]:
            raise CommandError(
                f"{counts['issues']} issues of {STORIES_PER_ISSUE} stories need at least"
                f" {counts['issues'] * STORIES_PER_ISSUE} stories."
            )
        sources = options["sources"] or max(counts["stories"] // 50, 10)
        self.refuse_real_content(force=options["force"])
        self.prefix = f"load-r{self.next_run()}-"
        self.now = timezone.now().replace(microsecond=0)
        self.password = make_password(LOAD_PASSWORD)

        with transaction.atomic():
            newsletters = self.make_newsletters(counts["newsletters"])
            editors, reviewers = self.make_desk()
            source_ids = self.make_sources(sources)
            stories = self.make_stories(counts["stories"], newsletters, source_ids, editors)
            published = self.make_issues(counts["issues"], newsletters, stories, reviewers, editors)
            self.make_story_transitions(stories, editors, reviewers)
            held = self.make_subscribers(counts["subscribers"], newsletters)
            self.make_publisher()
            organisations = self.make_organisations(held, newsletters)
            self.make_assignments(editors)
        self.share_artifacts(newsletters, published)
        self.make_downloads(held)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if not connection.in_atomic_block:
                    # Twenty years written in one transaction rewrote each of
                    # the audience's kept totals once per subscription, and
                    # no version could be pruned before the commit: 2,000 rows
                    # over 700 pages. A site's own transactions are small and
                    # PostgreSQL prunes as it goes; compact it as they leave it.
                    cursor.execute("VACUUM FULL issues_audiencetally")
                # Fresh statistics, or the planner guesses from an empty table.
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"generated {counts['newsletters']} newsletters, {sources} sources,"
            f" {counts['stories']} stories, {counts['issues']} issues ({len(published)} published),"
            f" {counts['subscribers']} subscribers, {organisations}"
            f" organisation{'s' if organisations != 1 else ''} as {self.prefix}* (password"
            f" {LOAD_PASSWORD}) in {elapsed:.1f} s"
        )

    # Guards

    def refuse_real_content(self, *, force: bool) -> None:
        real = Newsletter.objects.exclude(slug__regex=RUN_SLUG.pattern)
        if real.exists() and not force:
            names = ", ".join(real.values_list("slug", flat=True)[:3])
            raise CommandError(
                f"This database holds real content (newsletters: {names}); generate_load adds"
                " thousands of rows beside it. Use an empty database, or --force."
            )

    def next_run(self) -> int:
        runs = [
            int(match.group(1))
            for slug in Newsletter.objects.filter(slug__startswith="load-r").values_list(
                "slug", flat=True
            )
            if (match := RUN_SLUG.match(slug))
        ]
        return max(runs, default=0) + 1

    # Rows

    def make_newsletters(self, count: int) -> list[Newsletter]:
        newsletters = [
            Newsletter(
                title=f"Load Sector {index} ({self.prefix.upper()}{index})",
                slug=f"{self.prefix}n{index}",
                description="Generated by generate_load.",
            )
            for index in range(1, count + 1)
        ]
        return Newsletter.objects.bulk_create(newsletters)

    def make_users(self, role: str, count: int) -> list[User]:
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{self.prefix}{role}-{index}",
                    email=f"{self.prefix}{role}-{index}@example.test",
                    password=self.password,
                )
                for index in range(1, count + 1)
            ],
            batch_size=BATCH,
        )
        return users

    def add_to_group(self, users: list[User], group_name: str) -> None:
        group = Group.objects.get(name=group_name)
        through = User.groups.through
        for chunk in batched(users):
            through.objects.bulk_create([through(user_id=u.pk, group_id=group.pk) for u in chunk])

    def make_desk(self) -> tuple[list[User], list[User]]:
        editors = self.make_users("editor", 20)
        reviewers = self.make_users("reviewer", 5)
        self.add_to_group(editors, roles.EDITORS)
        self.add_to_group(reviewers, roles.REVIEWERS)
        return editors, reviewers

    def make_sources(self, count: int) -> list[int]:
        progress = Progress(self.progress_out, "sources", count)
        ids: list[int] = []
        names = [f"{self.prefix}Source {index:05d}" for index in range(1, count + 1)]
        for chunk in batched(names):
            made = Source.objects.bulk_create([Source(name=name) for name in chunk])
            ids += [source.pk for source in made]
            progress.advance(len(chunk))
        return ids

    def sentence(self) -> str:
        words = self.random.choices(WORDS, k=self.random.randint(10, 16))
        return " ".join(words).capitalize() + "."

    def make_stories(
        self,
        count: int,
        newsletters: list[Newsletter],
        source_ids: list[int],
        editors: list[User],
    ) -> list[Story]:
        """Oldest first; status decided later by make_issues (what issues carry
        is approved) and by the mix below for the rest."""
        progress = Progress(self.progress_out, "stories", count)
        history = Story.history.model  # type: ignore[attr-defined]
        made: list[Story] = []
        start = self.now - datetime.timedelta(days=3650)
        step = datetime.timedelta(days=3650) / max(count, 1)
        for first in range(0, count, BATCH):
            chunk = []
            for index in range(first, min(first + BATCH, count)):
                when = start + step * index
                headline = (
                    f"{self.random.choice(WORDS).capitalize()} {self.random.choice(VERBS)}"
                    f" {' '.join(self.random.choices(WORDS, k=4))} ({index})"
                )
                body = "<p>" + " ".join(self.sentence() for _ in range(5)) + "</p>"
                chunk.append(
                    Story(
                        headline=headline,
                        body=body,
                        source_id=self.random.choice(source_ids),
                        newsletter=newsletters[index % len(newsletters)],
                        author=self.random.choice(editors),
                        created_at=when,
                        updated_at=when,
                        status=Status.DRAFT,
                    )
                )
            with generated_dates(Story):
                created = Story.objects.bulk_create(chunk)
            history.objects.bulk_create(
                [
                    history(
                        id=story.pk,
                        headline=story.headline,
                        body=story.body,
                        source_id=story.source_id,  # type: ignore[attr-defined]
                        original_url="",
                        newsletter_id=story.newsletter_id,  # type: ignore[attr-defined]
                        author_id=story.author_id,  # type: ignore[attr-defined]
                        created_at=story.created_at,
                        version=1,
                        status=Status.DRAFT,
                        history_date=story.created_at,
                        history_type="+",
                        history_user_id=story.author_id,  # type: ignore[attr-defined]
                    )
                    for story in created
                ]
            )
            made += created
            progress.advance(len(chunk))
        return made

    def make_issues(
        self,
        count: int,
        newsletters: list[Newsletter],
        stories: list[Story],
        reviewers: list[User],
        editors: list[User],
    ) -> list[Issue]:
        """Weekly issues per newsletter, oldest first; the newest of each
        newsletter is a draft, the one before it in review, the rest published."""
        progress = Progress(self.progress_out, "issues", count)
        by_newsletter: dict[int, list[Story]] = {n.pk: [] for n in newsletters}
        for story in stories:
            by_newsletter[story.newsletter_id].append(story)  # type: ignore[attr-defined]
        per_newsletter = [
            count // len(newsletters) + (i < count % len(newsletters))
            for i in range(len(newsletters))
        ]
        issues: list[Issue] = []
        carried: list[tuple[Issue, list[Story]]] = []
        for newsletter, total in zip(newsletters, per_newsletter, strict=True):
            pool = by_newsletter[newsletter.pk]
            first_monday = timezone.localdate(self.now - datetime.timedelta(weeks=total + 1))
            first_monday -= datetime.timedelta(days=first_monday.weekday())
            for number in range(1, total + 1):
                start = first_monday + datetime.timedelta(weeks=number - 1)
                status = (
                    Status.DRAFT
                    if number == total
                    else Status.REVIEW
                    if number == total - 1
                    else Status.PUBLISHED
                )
                publication = datetime.datetime.combine(
                    start + datetime.timedelta(days=7), datetime.time(9), tzinfo=datetime.UTC
                )
                published_at = publication if status == Status.PUBLISHED else None
                issue = Issue(
                    newsletter=newsletter,
                    number=number,
                    period_start=start,
                    period_end=start + datetime.timedelta(days=6),
                    # The planning calendar's dates, as the newsletter's rhythm suggests them.
                    copy_deadline=publication - COPY_LEAD,
                    review_deadline=publication - REVIEW_LEAD,
                    planned_publication_at=publication,
                    status=status,
                    published_at=published_at,
                    created_by=self.random.choice(editors),
                    created_at=published_at or self.now,
                    updated_at=published_at or self.now,
                )
                # Stories are taken in time order, so an issue carries stories
                # written in the weeks before it.
                chosen = pool[(number - 1) * STORIES_PER_ISSUE : number * STORIES_PER_ISSUE]
                carried.append((issue, chosen))
                issues.append(issue)
        for chunk in batched(issues):
            with generated_dates(Issue):
                Issue.objects.bulk_create(chunk)
            progress.advance(len(chunk))

        entries: list[IssueStory] = []
        issue_rows: list[IssueTransition] = []
        approved: set[int] = set()
        for issue, chosen in carried:
            for position, story in enumerate(chosen, start=1):
                entries.append(IssueStory(issue=issue, story=story, position=position))
                approved.add(story.pk)
            if issue.status != Status.DRAFT:
                issue_rows.append(
                    self.audit(IssueTransition, issue, "submit", issue.created_by_id)  # type: ignore[attr-defined]
                )
            if issue.status == Status.PUBLISHED:
                issue_rows.append(
                    self.audit(IssueTransition, issue, "publish", self.random.choice(reviewers).pk)
                )
        IssueStory.objects.bulk_create(entries, batch_size=BATCH)
        IssueTransition.objects.bulk_create(issue_rows, batch_size=BATCH)
        self.assign_story_status(stories, approved)
        return [issue for issue in issues if issue.status == Status.PUBLISHED]

    def assign_story_status(self, stories: list[Story], in_issues: set[int]) -> None:
        """Stories in issues are approved; of the rest, most are approved and
        waiting for an issue, some in review, some drafts (the newest)."""
        rest = [s for s in stories if s.pk not in in_issues]
        for story in stories:
            if story.pk in in_issues:
                story.status = Status.PUBLISHED
        for story in rest:
            roll = self.random.random()
            story.status = (
                Status.PUBLISHED if roll < 0.7 else Status.REVIEW if roll < 0.85 else Status.DRAFT
            )
        for story in stories:
            if story.status == Status.PUBLISHED:
                story.published_at = story.created_at + datetime.timedelta(days=1)
        for status in (Status.PUBLISHED, Status.REVIEW):
            ids = [s.pk for s in stories if s.status == status]
            for chunk in batched(ids, 10000):
                Story.objects.filter(pk__in=chunk).update(
                    status=status,
                    published_at=(
                        models.F("created_at") + datetime.timedelta(days=1)
                        if status == Status.PUBLISHED
                        else None
                    ),
                )

    def audit(
        self, model: type[Any], obj: Story | Issue, name: str, by_id: int, comment: str = ""
    ) -> Any:
        source, target = {
            "submit": (Status.DRAFT, Status.REVIEW),
            "publish": (Status.REVIEW, Status.PUBLISHED),
            "request_changes": (Status.REVIEW, Status.DRAFT),
        }[name]
        when = obj.published_at if name == "publish" and obj.published_at else None
        if when is None:
            when = getattr(obj, "created_at", None) or self.now
        field = "story" if model is StoryTransition else "issue"
        return model(
            **{field: obj},
            transition=name,
            from_status=source,
            to_status=target,
            by_id=by_id,
            at=when,
            comment=comment,
            note="generated",
        )

    def make_story_transitions(
        self, stories: list[Story], editors: list[User], reviewers: list[User]
    ) -> None:
        progress = Progress(self.progress_out, "audit rows", len(stories))
        for chunk in batched(stories):
            rows, sent_back = [], []
            for story in chunk:
                author = story.author_id  # type: ignore[attr-defined]
                if story.status != Status.DRAFT:
                    rows.append(self.audit(StoryTransition, story, "submit", author))
                if story.status == Status.PUBLISHED:
                    rows.append(
                        self.audit(
                            StoryTransition, story, "publish", self.random.choice(reviewers).pk
                        )
                    )
                elif story.status == Status.DRAFT and self.random.random() < 0.3:
                    sent_back.append(story.pk)
                    rows.append(self.audit(StoryTransition, story, "submit", author))
                    rows.append(
                        self.audit(
                            StoryTransition,
                            story,
                            "request_changes",
                            self.random.choice(reviewers).pk,
                            comment="Please name the source of the figures.",
                        )
                    )
            StoryTransition.objects.bulk_create(rows)
            # The mark the workflow keeps (Story.sent_back_at), at the
            # instant audit() gives the request for changes.
            Story.objects.filter(pk__in=sent_back).update(sent_back_at=models.F("created_at"))
            progress.advance(len(chunk))

    def make_assignments(self, editors: list[User]) -> None:
        """Planned stories for the planning calendar: three in each issue's
        week, due at noon, unwritten (the week of an issue a year ago is as
        full as this one's)."""
        issues = Issue.objects.filter(newsletter__slug__startswith=self.prefix)
        weeks = issues.values_list("newsletter_id", "period_start", "created_by_id")
        progress = Progress(self.progress_out, "assignments", issues.count() * ASSIGNMENTS_A_WEEK)
        rows = (
            Assignment(
                headline=f"{self.random.choice(WORDS).capitalize()} {self.random.choice(VERBS)}"
                f" {' '.join(self.random.choices(WORDS, k=3))}",
                newsletter_id=newsletter_id,
                assignee=self.random.choice(editors),
                due_at=datetime.datetime.combine(
                    start + datetime.timedelta(days=day), datetime.time(12), tzinfo=datetime.UTC
                ),
                created_by_id=created_by_id,
            )
            for newsletter_id, start, created_by_id in weeks.iterator()
            for day in range(ASSIGNMENTS_A_WEEK)
        )
        for chunk in batched(list(rows)):
            Assignment.objects.bulk_create(chunk)
            progress.advance(len(chunk))

    def make_subscribers(self, count: int, newsletters: list[Newsletter]) -> dict[int, set[int]]:
        """Readers with one or two subscriptions each, some ending within 30
        days and some ended; returns each reader's newsletters, in the
        readers' order."""
        progress = Progress(self.progress_out, "subscribers", count)
        group = Group.objects.get(name=roles.SUBSCRIBERS)
        through = User.groups.through
        today = timezone.localdate(self.now)
        held: dict[int, set[int]] = {}
        for first in range(0, count, BATCH):
            indexes = range(first + 1, min(first + BATCH, count) + 1)
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"{self.prefix}reader-{index}",
                        email=f"{self.prefix}reader-{index}@example.test",
                        password=self.password,
                    )
                    for index in indexes
                ]
            )
            through.objects.bulk_create([through(user_id=u.pk, group_id=group.pk) for u in users])
            subscriptions = []
            for index, user in zip(indexes, users, strict=True):
                picks = self.random.sample(newsletters, k=min(len(newsletters), 1 + (user.pk % 2)))
                held[user.pk] = {n.pk for n in picks}
                subscriptions += [
                    Subscription(user=user, newsletter=n, ends_on=self.ends_on(index, today))
                    for n in picks
                ]
            Subscription.objects.bulk_create(subscriptions)
            progress.advance(len(users))
        return held

    def ends_on(self, index: int, today: datetime.date) -> datetime.date | None:
        """A reader's own subscription: most do not lapse."""
        roll = self.random.random()
        if index == 1 or roll >= ENDING_SHARE + ENDED_SHARE:
            return None
        if roll < ENDING_SHARE:
            return today + datetime.timedelta(days=self.random.randint(0, 29))
        return today - datetime.timedelta(days=self.random.randint(1, 700))

    def make_publisher(self) -> User:
        """Staff who may add accounts: the publisher of the audience pages."""
        publisher = User.objects.create(
            username=f"{self.prefix}publisher",
            email=f"{self.prefix}publisher@example.test",
            password=self.password,
            is_staff=True,
        )
        publisher.user_permissions.add(
            Permission.objects.get(content_type__app_label="auth", codename="add_user")
        )
        return publisher

    def make_organisations(self, held: dict[int, set[int]], newsletters: list[Newsletter]) -> int:
        """One organisation per READERS_PER_ORGANISATION readers (at least
        one), each with a licence to one or two newsletters whose seats
        SEATS_TAKEN of those readers hold (the first reader of each hundred,
        whom the benchmarks read as, holds none), the first of them its
        contact. Every tenth licence ended ten days ago, every tenth but one
        ends within 30 days. Each seat is written out as subscriptions to the
        licence's newsletters the reader does not hold (sync_licence's rule)."""
        readers = list(held)
        count = -(-len(readers) // READERS_PER_ORGANISATION)
        today = timezone.localdate(self.now)
        organisations = Organisation.objects.bulk_create(
            [Organisation(name=f"{self.prefix}Organisation {n:05d}") for n in range(1, count + 1)]
        )
        licences = []
        for n, organisation in enumerate(organisations):
            ends = (
                today - datetime.timedelta(days=10)
                if n % 10 == 0
                else today + datetime.timedelta(days=self.random.randint(0, 29))
                if n % 10 == 1
                else today + datetime.timedelta(days=self.random.randint(60, 400))
            )
            licences.append(
                Licence(
                    organisation=organisation,
                    seats=SEATS_PER_LICENCE,
                    starts_on=ends - datetime.timedelta(days=365),
                    ends_on=ends,
                )
            )
        Licence.objects.bulk_create(licences)
        licence_newsletters = Licence.newsletters.through
        contacts = Organisation.contacts.through
        covered: dict[int, list[int]] = {}
        seats, profiles, subscriptions = [], [], []
        for n, licence in enumerate(licences):
            organisation = organisations[n]
            picks = self.random.sample(newsletters, k=min(len(newsletters), 1 + n % 2))
            covered[licence.pk] = [p.pk for p in picks]
            block = readers[n * READERS_PER_ORGANISATION : (n + 1) * READERS_PER_ORGANISATION]
            seated = block[1 : 1 + SEATS_TAKEN]
            if seated:
                contacts.objects.create(organisation_id=organisation.pk, user_id=seated[0])
            for user_id in seated:
                seats.append(Seat(licence=licence, user_id=user_id))
                profiles.append(ReaderProfile(user_id=user_id, organisation=organisation.name))
                subscriptions += [
                    seat_subscription(licence, user_id, newsletter_id)
                    for newsletter_id in covered[licence.pk]
                    if newsletter_id not in held[user_id]
                ]
        licence_newsletters.objects.bulk_create(
            [
                licence_newsletters(licence_id=licence_id, newsletter_id=newsletter_id)
                for licence_id, ids in covered.items()
                for newsletter_id in ids
            ],
            batch_size=BATCH,
        )
        Seat.objects.bulk_create(seats, batch_size=BATCH)
        ReaderProfile.objects.bulk_create(profiles, batch_size=BATCH)
        Subscription.objects.bulk_create(subscriptions, batch_size=BATCH)
        return count

    def make_downloads(self, held: dict[int, set[int]]) -> None:
        """Counted downloads of recent editions by most readers (the first
        always): one to three rows each, over the last weeks."""
        progress = Progress(self.progress_out, "downloads", len(held))
        recent: dict[int, list[tuple[int, datetime.date]]] = {}
        for newsletter_id in {n for ids in held.values() for n in ids}:
            editions = Edition.objects.filter(issue__newsletter_id=newsletter_id).order_by(
                "-published_at"
            )
            recent[newsletter_id] = [
                (pk, timezone.localdate(at))
                for pk, at in editions.values_list("pk", "published_at")[:8]
            ]
        today = timezone.localdate(self.now)
        rows: list[DownloadCount] = []
        for index, (user_id, newsletter_ids) in enumerate(held.items()):
            if index and self.random.random() >= DOWNLOADED_SHARE:
                continue
            choices = [e for n in sorted(newsletter_ids) for e in recent[n]]
            for edition_id, day in self.random.sample(
                choices, k=min(len(choices), self.random.randint(1, 3))
            ):
                rows.append(
                    DownloadCount(
                        edition_id=edition_id,
                        day=min(day + datetime.timedelta(days=self.random.randint(0, 6)), today),
                        user_id=user_id,
                        document=Document.PDF,
                        channel=self.random.choice([Channel.SITE, Channel.SITE, Channel.FEED]),
                        count=self.random.randint(1, 3),
                    )
                )
        for chunk in batched(rows):
            DownloadCount.objects.bulk_create(chunk)
        progress.advance(len(held))

    def share_artifacts(self, newsletters: list[Newsletter], published: list[Issue]) -> None:
        """Render each newsletter's newest published issue once and give every
        published issue of it a first edition pointing at those files (same
        bytes, same checksum): generating must not render 5,000 PDFs."""
        progress = Progress(self.progress_out, "artifacts", len(newsletters))
        storage = Edition._meta.get_field("pdf_file").storage  # type: ignore[attr-defined]
        version = documents.renderer_version()
        for newsletter in newsletters:
            own = [i for i in published if i.newsletter_id == newsletter.pk]  # type: ignore[attr-defined]
            if not own:
                progress.advance(1)
                continue
            model = own[-1]
            html = documents.render_html(model, published_at=model.published_at).encode()
            pdf = documents.render_pdf(model, published_at=model.published_at)
            stem = f"{newsletter.slug}/shared"
            html_name = storage.save(f"{stem}.html", ContentFile(html))
            pdf_name = storage.save(f"{stem}.pdf", ContentFile(pdf))
            shared = {
                "html_file": html_name,
                "pdf_file": pdf_name,
                "html_sha256": hashlib.sha256(html).hexdigest(),
                "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                "pdf_size": len(pdf),
                "page_count": count_pages(pdf),
                "renderer_version": version,
            }
            editions = [
                Edition(
                    issue=issue, number=1, published_at=issue.published_at or self.now, **shared
                )
                for issue in own
            ]
            Edition.objects.bulk_create(editions, batch_size=BATCH)
            progress.advance(1)
