"""Correcting a published issue: start a correction, publish it as the next edition.

A reviewer starts a correction of one story of a published issue; the
correction then moves draft -> review -> published through
`newsroom.review.workflow.perform` like any story (an editor submits, a second
reviewer publishes). Publishing renders the issue with the corrected text
and its dated note first, outside any transaction; then, in the
transaction of the PUBLISH transition, the next edition is stored, the story
takes the corrected text (a new version, with a history record), and the
issue's audit trail gets a row naming the edition, who and why.
Subscribers who received the issue hear of it after commit (issues.publishing.delivery).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from issues.models import Issue
from issues.models.editions import Correction, CorrectionTransition
from issues.publishing.publish import PublishError, publish_storing, store_edition
from issues.rendering import documents
from newsroom import roles
from newsroom.models import Story
from newsroom.review.workflow import PUBLISH, Status, WorkflowError

if TYPE_CHECKING:
    from newsroom.review.workflow import User


START = "start"
CORRECT = "correct"


def start_correction(*, issue: Issue, story: Story, note: str, by: User) -> Correction:
    """Open a corrected copy of `story` (its current text) in published
    `issue`, as reviewer `by`, or raise WorkflowError."""
    if not by.is_authenticated:
        raise WorkflowError("Sign in first.")
    if not roles.is_reviewer(by):
        raise WorkflowError("Only a reviewer can start a correction.")
    if not note.strip():
        raise WorkflowError("Say what is wrong: the note is printed under the corrected story.")
    try:
        Correction._meta.get_field("note").run_validators(note.strip())
    except ValidationError as error:
        raise WorkflowError(f"The note was not accepted. {' '.join(error.messages)}") from None
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked.status != Status.PUBLISHED:
            raise WorkflowError(
                "Only a published issue is corrected; change this one in the builder."
            )
        if not locked.entries.filter(story=story).exists():
            raise WorkflowError(f"“{story}” is not in this issue.")
        if locked.corrections.open().exists():  # type: ignore[attr-defined]
            raise WorkflowError("This issue already has a correction in progress.")
        try:
            with transaction.atomic():
                correction = Correction.objects.create(
                    issue=locked,
                    story=story,
                    headline=story.headline,
                    body=story.body,
                    note=note.strip(),
                    started_by=by,
                )
        except IntegrityError as exc:  # a second reviewer started one just now
            raise WorkflowError("This issue already has a correction in progress.") from exc
        CorrectionTransition.objects.create(
            correction=correction,
            transition=START,
            from_status=Status.PUBLISHED,
            to_status=Status.DRAFT,
            by=by,
            comment=correction.note,
        )
    return correction


def publish_correction(*, correction: Correction, by: User) -> Correction:
    """Publish `correction` as its issue's next edition, as reviewer `by`;
    raise WorkflowError (refused) or PublishError (rendering or storage failed)."""
    correction.check_transition(PUBLISH, by=by)
    issue = correction.issue
    published_at = documents.now_for_publication()
    try:
        html = documents.render_html(
            issue, published_at=published_at, correction=correction
        ).encode()
        pdf = documents.render_pdf(issue, published_at=published_at, correction=correction)
    except documents.RenderError as exc:
        raise PublishError(f"The correction was not published. {exc}") from exc

    written: list[str] = []

    def store_edition_and_story(locked: Correction) -> list[str]:
        # The issue row is locked too: two corrections never take one number.
        locked_issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked_issue.status != Status.PUBLISHED:
            raise WorkflowError("The issue is no longer published.")
        last = locked_issue.editions.aggregate(models.Max("number"))["number__max"] or 0  # type: ignore[attr-defined]
        edition = store_edition(
            issue=locked_issue,
            number=last + 1,
            html=html,
            pdf=pdf,
            by=by,
            written=written,
            correction_note=locked.note,
            published_at=published_at,
        )
        locked.edition = edition
        _apply_to_story(locked, by=by, edition_number=edition.number)
        locked_issue.transitions.create(  # type: ignore[attr-defined,misc]
            transition=CORRECT,
            from_status=Status.PUBLISHED,
            to_status=Status.PUBLISHED,
            by=by,
            comment=locked.note,
            note=f"edition {edition.number}: “{locked.headline}” corrected",
        )
        return ["edition"]

    return publish_storing(
        correction,
        written=written,
        failed="The correction was not published: the edition could not be stored.",
        by=by,
        prepare=store_edition_and_story,
    )


def _apply_to_story(correction: Correction, *, by: User, edition_number: int) -> None:
    """The story takes the corrected text: a new version and a history
    record, its status (approved, in issue no. N) unchanged."""
    story = Story.objects.select_for_update().get(pk=correction.story_id)  # type: ignore[attr-defined]
    story.headline, story.body = correction.headline, correction.body
    story.version += 1
    story._history_user = by  # type: ignore[attr-defined]
    story._change_reason = (  # type: ignore[attr-defined]
        f"Corrected in edition {edition_number} of issue no. {correction.issue.number}:"
        f" {correction.note}"
    )
    story.save(update_fields=["headline", "body", "version", "updated_at"])
