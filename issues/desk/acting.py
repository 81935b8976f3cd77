"""One builder action run for a desk user, answered with its refusal or its
success, back on the builder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from issues.models import Issue
from newsroom.review.workflow import (
    WorkflowError,
)

if TYPE_CHECKING:
    pass


def back_to_builder(issue: Issue) -> HttpResponse:
    return redirect("issue_desk:issue_builder", pk=issue.pk)


def refusal(error: ValidationError | WorkflowError) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def act_on(
    request: HttpRequest, issue: Issue, action: Callable[[], object], done: str = ""
) -> HttpResponse:
    """Run one builder action on `issue`, tell the user how it went (the
    refusal, or `done`), and go back to the builder. (Workflow transitions
    go through `perform_and_report`, as on the story desk.)"""
    try:
        action()
    except (ValidationError, WorkflowError) as exc:
        messages.error(request, refusal(exc))
    else:
        if done:
            messages.success(request, done)
    return back_to_builder(issue)
