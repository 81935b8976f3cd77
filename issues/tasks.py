"""Background work of the issues app, run through `django.tasks`.

With the default ImmediateBackend a task runs inline, inside `enqueue()`.
In production set TASKS_BACKEND=django_tasks_db.DatabaseBackend and run
`python manage.py db_worker`: the web request then only queues the work.
"""

from __future__ import annotations

from typing import TypedDict

from django.contrib.auth import get_user_model
from django.tasks import task

from issues.models import Issue
from issues.publishing import PublishError, publish_issue
from newsroom.workflow import WorkflowError


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
