"""Demo content for a first run: one user per role, a newsletter, stories and
issues in every state. Run again, it changes nothing and prints the logins."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from issues.models import Issue, Subscription
from issues.models.licences import Licence, Organisation
from issues.publishing.publish import publish_issue
from issues.publishing.scheduling import schedule_issue
from issues.readers.licences import take_seat
from newsroom import roles
from newsroom.models import Newsletter, Source, Story
from newsroom.models.planning import Assignment
from newsroom.review.workflow import PUBLISH, REQUEST_CHANGES, SUBMIT, perform

SCHEDULE_AHEAD = datetime.timedelta(hours=1)
DEMO_PASSWORD = "newsroom-demo"  # noqa: S105 - printed demo login for a local first run
# The organisation's contact has an address at its domain, as its readers must.
DEMO_ADDRESSES = {"contact": "contact@port-meridian.example"}
USERS = [
    ("admin", None, "superuser: everything, and the admin"),
    ("editor", roles.EDITORS, "writes stories, assembles issues"),
    ("reviewer", roles.REVIEWERS, "approves stories, publishes issues"),
    ("subscriber", roles.SUBSCRIBERS, "reads and downloads the ICT newsletter"),
    ("contact", roles.SUBSCRIBERS, "manages the readers of Meridian Port Authority's licence"),
]

# (headline, body, source) — invented news for the demo, 60-90 words each.
STORIES = [
    (
        "Harbourside data centre switches to tidal power",
        "The Port Meridian data centre moved its entire load to tidal turbines this week, "
        "making it the first facility of its size in the region to run without a grid "
        "connection for a full day. Operators said the switch cut cooling costs by a "
        "quarter, because sea water now cools the servers directly. Two more sites on "
        "the estuary plan to follow next spring if regulators approve the connection "
        "rules drafted in October.",
        "Meridian Herald",
    ),
    (
        "Northvale opens public training centre for chip technicians",
        "Northvale province opened a training centre for semiconductor technicians on "
        "Tuesday, with places for 600 apprentices a year. Courses cover cleanroom "
        "practice, lithography maintenance and yield analysis, and are taught with three "
        "local manufacturers that have promised interviews to every graduate. The "
        "province hopes to halve the time factories take to fill technical posts, which "
        "averaged seven months last year, according to its labour office.",
        "Northvale Daily",
    ),
    (
        "Rural broadband vouchers reach 40,000 households",
        "A voucher scheme that pays up to 300 crowns towards a fibre connection has now "
        "reached 40,000 rural households, the digital ministry said. Take-up was "
        "strongest in mountain districts, where mobile coverage remains patchy. Small "
        "providers built most of the new lines, often sharing ducts with the electricity "
        "network. The ministry will extend the scheme to farms and village schools in "
        "January and publish coverage maps for every district by the end of the quarter.",
        "Capital Wire",
    ),
    (
        "Open-source translation model adds twelve regional languages",
        "Researchers at the Lakeshore Institute released an update to their open "
        "translation model that adds twelve regional languages, including two spoken "
        "by fewer than a million people. The team collected the training texts with "
        "community radio stations and village libraries, paying contributors per page. "
        "Early tests show the model handles place names and kinship terms far better "
        "than general systems. The weights and the evaluation set are free to download.",
        "Lakeshore Review",
    ),
    (
        "Smart meter rollout pauses after firmware fault",
        "The eastern grid operator paused its smart meter rollout after a firmware "
        "update left 3,200 meters unable to report readings for two days. No customer "
        "lost power, and bills will be based on estimates until the fault is fixed. The "
        "supplier traced the problem to a clock setting and is testing a correction on "
        "a small group of homes. Installation should resume within a fortnight, the "
        "operator said in a statement on Friday.",
        "Meridian Herald",
    ),
    (
        "City council tests AI assistant for planning queries",
        "Ashford city council is testing an AI assistant that answers residents' "
        "questions about planning permission, from fence heights to loft conversions. "
        "Every answer links to the bylaw it relies on, and officers review a sample of "
        "conversations each week. In the first month the assistant handled 5,400 "
        "questions and passed one in ten to a human. The council will decide in March "
        "whether to keep it, after a public consultation.",
        "Capital Wire",
    ),
    (
        "Satellite start-up signs first maritime contract",
        "Orbital Loom, a start-up that builds small communication satellites, signed "
        "its first commercial contract with a shipping company that operates forty "
        "cargo vessels. The deal covers messaging and weather data for crews on long "
        "ocean routes, where connections are slow and expensive. The company plans to "
        "launch four more satellites next year and says the contract alone will cover "
        "a third of its operating costs.",
        "Northvale Daily",
    ),
]


class Command(BaseCommand):
    help = "Create demo content and one user per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--serving", metavar="URL", help="the address `make run` serves on, for the summary"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo content sends no mail: nobody is notified of the seeded steps.
        users = self.create_users()
        fresh = not Newsletter.objects.filter(slug="ict").exists()
        if fresh:
            self.create_content(users)
        self.stdout.write(summary(options.get("serving"), fresh=fresh))

    def create_users(self) -> dict[str, User]:
        users = {}
        for username, group, _what in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                if group is None:
                    user = User.objects.create_superuser(
                        username, f"{username}@example.org", DEMO_PASSWORD
                    )
                else:
                    # The desk roles may also use the admin; subscribers may not.
                    user = User.objects.create_user(
                        username,
                        DEMO_ADDRESSES.get(username, f"{username}@example.org"),
                        DEMO_PASSWORD,
                        is_staff=group != roles.SUBSCRIBERS,
                    )
                    user.groups.add(Group.objects.get(name=group))
            users[username] = user
        return users

    @transaction.atomic
    def create_content(self, users: dict[str, User]) -> None:
        ict = Newsletter.objects.create(
            title="Information and Communication Technology (ICT)",
            slug="ict",
            description="The week's technology and telecoms news in five stories.",
            open_to_self_signup=True,
        )
        Newsletter.objects.create(
            title="Energy and Utilities",
            slug="energy",
            description="Power, water and grids, every Monday.",
        )
        Subscription.objects.create(user=users["subscriber"], newsletter=ict)
        self.create_organisation(ict, users["contact"], by=users["admin"])
        editor, reviewer = users["editor"], users["reviewer"]
        stories = []
        for headline, body, source_name in STORIES:
            source = Source.objects.named(source_name).first() or Source.objects.create(
                name=source_name
            )
            stories.append(
                Story.objects.create(
                    headline=headline,
                    body=f"<p>{body}</p>",
                    source=source,
                    newsletter=ict,
                    author=editor,
                )
            )
        for story in stories[:5]:
            perform(story, SUBMIT, by=editor, notify=False)
            perform(story, PUBLISH, by=reviewer, notify=False)
        perform(stories[5], SUBMIT, by=editor, notify=False)  # awaiting review
        perform(stories[6], SUBMIT, by=editor, notify=False)
        perform(
            stories[6],
            REQUEST_CHANGES,
            by=reviewer,
            comment="Please add when the launches are planned and cite the contract value.",
            notify=False,
        )
        self.create_issues(ict, stories, editor, reviewer)

    def create_organisation(self, newsletter: Newsletter, contact: User, *, by: User) -> None:
        """An organisation with a licence of five seats, its contact on one:
        the contact's own page shows four free ones."""
        organisation = Organisation.objects.create(
            name="Meridian Port Authority", email_domain="port-meridian.example"
        )
        organisation.contacts.add(contact)
        today = timezone.localdate()
        licence = Licence.objects.create(
            organisation=organisation,
            seats=5,
            starts_on=today - datetime.timedelta(days=30),
            ends_on=today + datetime.timedelta(days=335),
        )
        licence.newsletters.add(newsletter)
        take_seat(licence=licence, user=contact, by=by)

    def create_issues(
        self, newsletter: Newsletter, stories: list[Story], editor: User, reviewer: User
    ) -> None:
        def issue(number: int, *carried: Story) -> Issue:
            # Weekly from Monday 2 November 2026; the builder's rules apply.
            start = datetime.date(2026, 11, 2) + datetime.timedelta(weeks=number - 1)
            made = Issue.objects.create(
                newsletter=newsletter,
                number=number,
                period_start=start,
                period_end=start + datetime.timedelta(days=6),
                created_by=editor,
            )
            for story in carried:
                made.add_story(story, by=editor)
            return made

        published = issue(1, *stories[:3])
        perform(published, SUBMIT, by=editor, notify=False)
        publish_issue(issue=published, by=reviewer, notify=False)
        in_review = issue(2, stories[3])
        perform(in_review, SUBMIT, by=editor, notify=False)  # in review
        draft = issue(3, stories[4])
        self.create_demo_week(newsletter, in_review, draft, editor, reviewer)

    def create_demo_week(
        self, newsletter: Newsletter, in_review: Issue, draft: Issue, editor: User, reviewer: User
    ) -> None:
        """This week on the planning calendar: slots (one overdue), deadlines
        (the draft issue's copy deadline passed) and a scheduled issue."""
        now = timezone.now()
        today = timezone.localdate()

        def at(days: int, hour: int) -> datetime.datetime:
            day = today + datetime.timedelta(days=days)
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

        for headline, due, note in [
            ("Spectrum auction: who bid what", at(-1, 17), "The regulator publishes the results."),
            ("Fibre to the islands: first villages connected", at(1, 12), ""),
            ("Interview: the new data protection commissioner", at(3, 16), "30 minutes booked."),
        ]:
            Assignment.objects.create(
                headline=headline,
                newsletter=newsletter,
                assignee=editor,
                due_at=due,
                note=note,
                created_by=editor,
            )
        Issue.objects.filter(pk=draft.pk).update(
            copy_deadline=at(-1, 12), review_deadline=at(2, 12), planned_publication_at=at(3, 9)
        )
        Issue.objects.filter(pk=in_review.pk).update(
            copy_deadline=at(-3, 12), review_deadline=at(0, 12), planned_publication_at=at(1, 9)
        )
        in_review.refresh_from_db()
        schedule_issue(issue=in_review, by=reviewer, when=max(at(1, 9), now + SCHEDULE_AHEAD))


def summary(serving: str | None, *, fresh: bool) -> str:
    """The demo logins in a box (and where Newsroom serves)."""
    lines = []
    if serving:
        lines += [f"Newsroom: {serving}", ""]
    lines.append("Demo content created." if fresh else "Demo content is already there.")
    lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    lines += [f"  {username:<11} {what}" for username, _group, what in USERS]
    width = max(len(line) for line in lines)
    rule = "─" * (width + 2)
    body = [f"│ {line.ljust(width)} │" for line in lines]
    return "\n".join([f"┌{rule}┐", *body, f"└{rule}┘"])
