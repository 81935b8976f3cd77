"""A publication running in the background, reported on the page the reviewer
comes back to (an issue's or a correction's).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest
from django.tasks import Task, TaskResult, TaskResultStatus

from issues.abandoned import fail_abandoned_tasks, lost_its_worker

if TYPE_CHECKING:
    pass


logger = logging.getLogger(__name__)


def report_publication(request: HttpRequest, result: TaskResult, *, what: str = "issue") -> bool:
    """Show the outcome of a finished publication of an issue or a
    correction (`what`); say whether it published."""
    if result.status == TaskResultStatus.SUCCESSFUL:
        outcome = result.return_value
        level = messages.success if outcome["published"] else messages.error
        level(request, outcome["message"])
        return bool(outcome["published"])
    if lost_its_worker(result):
        messages.error(
            request,
            "Publishing stopped: the background worker running it was lost before it "
            f"finished. The {what} was not published; you can publish it again.",
        )
    else:
        messages.error(request, f"Publishing failed unexpectedly; the {what} was not published.")
    return False


def pending_publication(
    request: HttpRequest, task: Task[Any, Any], session_key: str, *, what: str = "issue"
) -> bool:
    """Report a background publication (queued as `task`, its result id kept
    under `session_key`) that has finished since; say whether one is still
    running."""
    result_id = request.session.get(session_key)
    if not result_id:
        return False
    try:
        result = task.get_result(result_id)
    except Exception:  # the backend forgot it, or cannot look results up
        logger.info("Publication task %s (%s) is gone", result_id, session_key)
        del request.session[session_key]
        return False
    if not result.is_finished:
        if not fail_abandoned_tasks(ids=[result_id]):
            return True
        result = task.get_result(result_id)
    del request.session[session_key]
    report_publication(request, result, what=what)
    return False
