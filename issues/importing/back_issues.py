"""An imported issue published as the back issue it is.

The editor imports (drafts, authored by them, each story's history one
row noted “imported back issue”); a reviewer who did not import it then
publishes it as it was, in one act: every story submitted and approved,
the issue submitted and published, dated the morning its period began,
with nobody notified, each transition audited as an import. Four eyes are
kept: the importer may not do it, and the workflow refuses an approver who
wrote or edited a story. Once anyone changed a story, the issue is an
ordinary one and goes through review as usual.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from issues.importing.saving import IMPORT_NOTE, _publish
from issues.models import Issue
from newsroom import roles
from newsroom.models import Story
from newsroom.review.workflow import Status, WorkflowError


def untouched_import(issue: Issue) -> bool:
    """A draft issue whose stories are all drafts exactly as imported."""
    if issue.status != Status.DRAFT:
        return False
    ids = list(issue.entries.values_list("story_id", flat=True))  # type: ignore[attr-defined]
    if not ids or Story.objects.filter(pk__in=ids).exclude(status=Status.DRAFT).exists():
        return False
    history = Story.history.filter(id__in=ids).values_list("id", "history_change_reason")  # type: ignore[attr-defined]
    rows: dict[int, list[str | None]] = {}
    for story_id, reason in history:
        rows.setdefault(story_id, []).append(reason)
    return len(rows) == len(ids) and all(r == [IMPORT_NOTE] for r in rows.values())


def back_issue_refusal(issue: Issue, user: User) -> str:
    """Why `user` may not publish `issue` as a back issue ("" if they may)."""
    if not roles.is_reviewer(user):
        return "Only a reviewer publishes a back issue."
    if not untouched_import(issue):
        return (
            "Only an imported issue whose stories nobody has changed since is published as"
            " a back issue; this one goes through review as usual."
        )
    if issue.created_by_id == user.pk:  # type: ignore[attr-defined]
        return "You imported this issue: another reviewer publishes it (four eyes)."
    return ""


def publish_back_issue(*, issue: Issue, by: User) -> Issue:
    """Publish an untouched import as it was, or raise WorkflowError
    (refused) or PublishError (rendering failed), having changed nothing."""
    if refusal := back_issue_refusal(issue, by):
        raise WorkflowError(refusal)
    with transaction.atomic():
        stories = [entry.story for entry in issue.entries.select_related("story__author")]  # type: ignore[attr-defined]
        authors = {story.author for story in stories}
        if by in authors:
            raise WorkflowError("You wrote stories of this issue: another reviewer publishes it.")
        author = issue.created_by
        _publish(issue, stories, author=author, by=by)
    issue.refresh_from_db()
    return issue
