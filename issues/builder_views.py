"""Builder actions: add, remove and reorder the stories of a draft issue.

Each is a small POST view; the rules (draft only, approved stories of the
same newsletter) live on `Issue`. The up/down buttons are plain forms that
work without JavaScript; drag and drop posts the whole new order.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from issues.desk_views import get_issue_for_desk, require_editor
from issues.models import Issue
from newsroom.models import Story
from newsroom.workflow import WorkflowError


def _back(issue: Issue) -> HttpResponse:
    return redirect("issue_desk:issue_builder", pk=issue.pk)


def _refusal(error: ValidationError | WorkflowError) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@require_POST
@login_required
def add_story(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for_desk(request, pk)
    require_editor(request)
    story = get_object_or_404(Story, pk=request.POST.get("story") or 0)
    try:
        issue.add_story(story)
    except (ValidationError, WorkflowError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, f"Added “{story}”.")
    return _back(issue)


@require_POST
@login_required
def remove_story(request: HttpRequest, pk: int, story_id: int) -> HttpResponse:
    issue = get_issue_for_desk(request, pk)
    require_editor(request)
    story = get_object_or_404(issue.stories, pk=story_id)
    try:
        issue.remove_story(story)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Removed “{story}” from the issue.")
    return _back(issue)


@require_POST
@login_required
def move_story(request: HttpRequest, pk: int, story_id: int) -> HttpResponse:
    issue = get_issue_for_desk(request, pk)
    require_editor(request)
    story = get_object_or_404(issue.stories, pk=story_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponse("Move a story up or down.", status=400)
    try:
        issue.move_story(story, offset)
    except (ValidationError, WorkflowError) as exc:
        messages.error(request, _refusal(exc))
    return _back(issue)


@require_POST
@login_required
def set_order(request: HttpRequest, pk: int) -> HttpResponse:
    """The order after a drag and drop: `order` is the story ids, comma-separated.
    Answers JSON to the script, or redirects a plain form post."""
    issue = get_issue_for_desk(request, pk)
    require_editor(request)
    try:
        story_ids = [int(part) for part in request.POST.get("order", "").split(",") if part]
        issue.set_order(story_ids)
    except ValueError:
        error = "The order must be a list of story ids."
    except (ValidationError, WorkflowError) as exc:
        error = _refusal(exc)
    else:
        error = ""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": not error, "error": error}, status=409 if error else 200)
    if error:
        messages.error(request, error)
    return _back(issue)
