"""Background work of the issues app, run through `django.tasks`.

With the default ImmediateBackend a task runs inline, inside `enqueue()`.
In production set TASKS_BACKEND=django_tasks_db.DatabaseBackend and run
`python manage.py db_worker`: the web request then only queues the work.
"""

from __future__ import annotations

from typing import TypedDict

from django.contrib.auth import get_user_model
from django.tasks import task

from issues.corrections.correcting import publish_correction
from issues.models import Issue
from issues.models.editions import Correction
from issues.publishing.publish import PublishError, publish_issue
from newsroom.review.workflow import WorkflowError


class PublishOutcome(TypedDict):
    published: bool
    message: str


@task
def publish_issue_task(issue_id: int, user_id: int) -> PublishOutcome:
    """Publish an issue on behalf of a reviewer.

    A refusal or a failed render is an expected outcome, not a crash of the
    task: it is returned as a message for the reviewer, so that it reaches
    them whichever backend ran the task. Anything else fails the task.
    """
    issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
    user = get_user_model()._default_manager.get(pk=user_id)
    try:
        publish_issue(issue=issue, by=user)
    except (WorkflowError, PublishError) as exc:
        return {"published": False, "message": str(exc)}
    return {"published": True, "message": f"Published {issue}."}


@task
def publish_correction_task(correction_id: int, user_id: int) -> PublishOutcome:
    """Publish a correction as its issue's next edition on behalf of a
    reviewer: rendered here, in the task queue's worker (and its render
    pool), never in the web request that asked. Outcomes as for an issue."""
    correction = Correction.objects.select_related("issue__newsletter", "story").get(
        pk=correction_id
    )
    user = get_user_model()._default_manager.get(pk=user_id)
    try:
        publish_correction(correction=correction, by=user)
    except (WorkflowError, PublishError) as exc:
        return {"published": False, "message": str(exc)}
    assert correction.edition is not None
    return {
        "published": True,
        "message": f"Published edition {correction.edition.number}; readers who received"
        " the issue are told what changed.",
    }
