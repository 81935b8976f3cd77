"""Save a parsed back issue: newsletter, sources, stories and the issue.

`plan_import` answers, without writing anything, what an import would do
(the dry run and the desk's preview show it); `save_parsed_issue` does it in
one transaction. With `publish`, the stories and the issue go through the
workflow like any other, with audit rows noting “imported back issue”:

- the stories' author is the `importer` system account (an editor with no
  usable password), which submits them and the issue;
- the person running the import approves the stories and publishes the
  issue, so nobody approves their own work and the four-eyes rule holds.

Publishing renders the issue inside our transaction (publish_issue renders
before its own atomic block, which nests here as a savepoint): if rendering
or storing fails, PublishError propagates and the whole import rolls back,
so a failed import leaves neither stories nor an issue behind. Artifacts are
written last, and publish_issue deletes its files when it fails.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from issues import roles as issue_roles
from issues.importing.parsing import IssueImportError, ParsedIssue, ParsedStory
from issues.models import Issue, IssueStory
from issues.models.issues import format_period
from issues.publishing.publish import publish_issue
from newsroom import roles
from newsroom.models import Newsletter, Source, Story
from newsroom.naming import create_with_unique_name, first_free_name
from newsroom.review.workflow import PUBLISH, SUBMIT, perform
from newsroom.writing.sanitizing import check_body_bounds, sanitize_body
from newsroom.writing.story_shape import recording_as_printed

IMPORT_NOTE = "imported back issue"
IMPORTER_USERNAME = "importer"
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


def sector_title(sector: str) -> str:
    """“INFORMATION AND COMMUNICATION TECHNOLOGY (ICT)” -> “Information and
    Communication Technology (ICT)”. A sector already in mixed case is kept."""
    if sector != sector.upper():
        return sector
    words = []
    for i, word in enumerate(sector.split()):
        if word.startswith("(") or word.endswith(")"):
            words.append(word)  # the acronym stays as printed
        elif i and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(part.capitalize() for part in word.split("-")))
    return " ".join(words)


def newsletter_slug(title: str) -> str:
    """The acronym in parentheses if there is one (“ict”), else the title
    slugified. Made unique with -2, -3… when the newsletter is created."""
    acronym = re.search(r"\(([^()]+)\)\s*$", title)
    return slugify(acronym.group(1) if acronym else title)[:40] or "newsletter"


def slug_taken(slug: str) -> bool:
    return Newsletter.objects.filter(slug=slug).exists()


@dataclass
class ImportPlan:
    """What importing one parsed issue will create and reuse."""

    parsed: ParsedIssue
    newsletter: Newsletter | None  # None: a new one, with the title and slug below
    newsletter_title: str
    newsletter_slug: str
    number: int
    sources: dict[str, Source | None] = field(default_factory=dict)  # by casefolded name

    def source_for(self, name: str) -> Source | None:
        return self.sources[name.casefold()]

    @property
    def new_sources(self) -> list[str]:
        seen: dict[str, str] = {}
        for story in self.parsed.stories:
            if self.source_for(story.source) is None:
                seen.setdefault(story.source.casefold(), story.source)
        return list(seen.values())


def plan_import(
    parsed: ParsedIssue, *, newsletter: Newsletter | None = None, number: int | None = None
) -> ImportPlan:
    """Read-only: decide the newsletter, number and sources, or raise
    IssueImportError (reported on the masthead's line) for an issue that
    would duplicate one already there."""
    _check_complete(parsed)
    if newsletter is None and parsed.sector:
        newsletter = Newsletter.objects.filter(title__iexact=parsed.sector).first()
    if newsletter is None and not parsed.sector:
        raise IssueImportError(
            "the file names no newsletter (no title above the period); choose the newsletter",
            parsed.line,
        )
    if number is None:
        number = parsed.number
    title = newsletter.title if newsletter else sector_title(parsed.sector)
    slug = (
        newsletter.slug if newsletter else first_free_name(newsletter_slug(title), taken=slug_taken)
    )
    if newsletter is not None:
        number = _check_number(parsed, newsletter, number)
    return ImportPlan(parsed, newsletter, title, slug, number or 1, _find_sources(parsed))


def _check_complete(parsed: ParsedIssue) -> None:
    for story in parsed.stories:
        if not story.source:
            where = f" ({story.where})" if story.where else ""
            raise IssueImportError(
                f"the story “{story.headline[:60]}”{where} has no source: set it in the"
                " preview, or end its paragraph with the source in parentheses",
                story.line,
            )
        _check_body(story)


def _check_body(parsed: ParsedStory) -> None:
    """The bounds a story's body has on the desk (an escaped paragraph can
    outgrow them: every & becomes &amp;)."""
    try:
        check_body_bounds(body_html(parsed.paragraph))
    except ValidationError as error:
        raise IssueImportError(
            f"the story “{parsed.headline}” is too long: {' '.join(error.messages)}",
            parsed.line,
        ) from None


def body_html(paragraph: str) -> str:
    """A parsed story's text as the body's HTML: paragraphs separated by a
    blank line, list items on lines starting "- " (see ParsedStory)."""
    html = []
    for part in paragraph.split("\n\n"):
        lines = part.split("\n")
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{escape(' '.join(lines))}</p>")
    return "".join(html)


def _check_number(parsed: ParsedIssue, newsletter: Newsletter, number: int | None) -> int:
    """The given number, or the next one, unless it or the period is taken."""
    period = Q(period_start=parsed.period_start, period_end=parsed.period_end)
    # One query for the three questions: a thousand-issue import feels each one.
    found = newsletter.issues.aggregate(  # type: ignore[attr-defined]
        highest=Max("number"),
        same_period=Min("number", filter=period),
        taken=Count("pk", filter=Q(number=number or 0)),
    )
    if found["taken"]:
        raise IssueImportError(
            f"{newsletter.title} already has an issue number {number}", parsed.line
        )
    if found["same_period"] is not None:
        # Importing the same back issue twice would double its stories.
        raise IssueImportError(
            f"{newsletter.title} already has an issue for"
            f" {format_period(parsed.period_start, parsed.period_end)}:"
            f" no. {found['same_period']}",
            parsed.line,
        )
    return number if number is not None else (found["highest"] or 0) + 1


def _find_sources(parsed: ParsedIssue) -> dict[str, Source | None]:
    """Existing sources by casefolded name (None for a new one), in one query."""
    names = {story.source.casefold(): story.source for story in parsed.stories}
    same_name = Q()
    for name in names.values():
        same_name |= Q(name__iexact=name)  # as Source.objects.named() asks
    found: dict[str, Source] = {}
    for source in Source.objects.filter(same_name):
        found[source.name.lower()] = found[source.name.casefold()] = source
    return {key: found.get(key) or found.get(name.lower()) for key, name in names.items()}


def importer_account() -> User:
    """The system account that authors imported stories (created on demand)."""
    user, created = User.objects.get_or_create(
        username=IMPORTER_USERNAME,
        defaults={"first_name": "Back-issue", "last_name": "importer"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        if not Group.objects.filter(name=roles.EDITORS).exists():
            issue_roles.sync_roles()  # a flushed test database
        user.groups.add(Group.objects.get(name=roles.EDITORS))
    return user


def save_parsed_issue(
    parsed: ParsedIssue,
    *,
    newsletter: Newsletter | None = None,
    number: int | None = None,
    publish: bool = False,
    by: User,
) -> Issue:
    """Create the issue and its stories (drafts, or published with `publish`)
    in one transaction, or raise IssueImportError / WorkflowError /
    PublishError having changed nothing."""
    with transaction.atomic():
        plan = plan_import(parsed, newsletter=newsletter, number=number)
        return save_plan(plan, publish=publish, by=by)


def save_plan(plan: ImportPlan, *, publish: bool = False, by: User) -> Issue:
    # No savepoint of its own: a failure here rolls back the caller's
    # transaction, which is what an import that changes nothing needs.
    with transaction.atomic(savepoint=False):
        newsletter = plan.newsletter or create_with_unique_name(
            newsletter_slug(plan.newsletter_title),
            create=lambda slug: Newsletter.objects.create(title=plan.newsletter_title, slug=slug),
            taken=slug_taken,
        )
        for name in plan.new_sources:
            plan.sources[name.casefold()] = Source.objects.create(name=name)
        # A back issue published on import is authored by the importer account
        # (so that `by`, a reviewer, may approve it: nobody approves their own
        # story). Drafts belong to the person importing: they find them under
        # "My drafts" on their desk.
        author = importer_account() if publish else by
        try:
            issue = Issue.objects.create(
                newsletter=newsletter,
                number=plan.number,
                period_start=plan.parsed.period_start,
                period_end=plan.parsed.period_end,
                created_by=by,
            )
        except IntegrityError:  # another import took the number meanwhile; all rolls back
            raise IssueImportError(
                f"{newsletter.title} already has an issue number {plan.number}",
                plan.parsed.line,
            ) from None
        stories = _create_stories(plan, newsletter=newsletter, author=author, by=by)
        IssueStory.objects.bulk_create(
            IssueStory(issue=issue, story=story, position=position)
            for position, story in enumerate(stories, start=1)
        )
        if publish:
            _publish(issue, stories, author=author, by=by)
    return issue


def _create_stories(
    plan: ImportPlan, *, newsletter: Newsletter, author: User, by: User
) -> list[Story]:
    # bulk_create skips Story.save(), which sanitises the body: do it here.
    stories = [
        Story(
            headline=parsed.headline,
            body=sanitize_body(body_html(parsed.paragraph)),
            source=plan.source_for(parsed.source),
            original_url=_valid_link(parsed.link),
            newsletter=newsletter,
            author=author,
        )
        for parsed in plan.parsed.stories
    ]
    return bulk_create_with_history(  # type: ignore[no-any-return]
        stories, Story, default_user=by, default_change_reason=IMPORT_NOTE
    )


def _valid_link(link: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        return ""
    return link if len(link) <= 500 else ""


def _publish(issue: Issue, stories: list[Story], *, author: User, by: User) -> None:
    # A back issue: nobody is notified, and it is dated the morning its
    # period began, when it first came out.
    for story in stories:
        with recording_as_printed():  # as printed, one paragraph or more
            perform(story, SUBMIT, by=author, note=IMPORT_NOTE, notify=False)
        perform(story, PUBLISH, by=by, note=IMPORT_NOTE, notify=False)
    perform(issue, SUBMIT, by=author, note=IMPORT_NOTE, notify=False)
    came_out = datetime.datetime.combine(
        issue.period_start, datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    publish_issue(issue=issue, by=by, note=IMPORT_NOTE, published_at=came_out, notify=False)
