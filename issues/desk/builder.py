"""Builder actions: add, remove and reorder the stories of a draft issue.

Each is a small POST view for editors; the rules (draft only, approved
stories of the same newsletter) and the audit row of each change live on
`Issue`. The up/down buttons are
plain forms that work without JavaScript; drag and drop posts the whole new
order.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from issues.desk.access import get_issue_for
from issues.desk.acting import act_on, back_to_builder, refusal
from newsroom.desk.access import editor_required, get_story_for, id_from
from newsroom.review.workflow import WorkflowError


@editor_required
@require_POST
def add_story(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    story = get_story_for(request.user, id_from(request.POST.get("story")))
    return act_on(
        request, issue, lambda: issue.add_story(story, by=request.user), f"Added “{story}”."
    )


@editor_required
@require_POST
def remove_story(request: HttpRequest, pk: int, story_id: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    story = get_object_or_404(issue.stories, pk=story_id)
    return act_on(
        request,
        issue,
        lambda: issue.remove_story(story, by=request.user),
        f"Removed “{story}” from the issue.",
    )


@editor_required
@require_POST
def move_story(request: HttpRequest, pk: int, story_id: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    story = get_object_or_404(issue.stories, pk=story_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponse("Move a story up or down.", status=400)
    if not request.headers.get("Accept", "").startswith("application/json"):
        return act_on(request, issue, lambda: issue.move_story(story, offset, by=request.user))
    # The builder's script moves the row in place and announces where it went.
    try:
        issue.move_story(story, offset, by=request.user)
    except (ValidationError, WorkflowError) as exc:
        return JsonResponse({"ok": False, "error": refusal(exc)}, status=409)
    order = list(issue.entries.values_list("story_id", flat=True))
    return JsonResponse(
        {"ok": True, "position": order.index(story.pk) + 1, "count": len(order), "order": order}
    )


@editor_required
@require_POST
def set_order(request: HttpRequest, pk: int) -> HttpResponse:
    """The order after a drag and drop: `order` is the story ids, comma-separated.
    Answers JSON to the script, or redirects a plain form post."""
    issue = get_issue_for(request.user, pk)
    try:
        story_ids = [int(part) for part in request.POST.get("order", "").split(",") if part]
        issue.set_order(story_ids, by=request.user)
    except ValueError:
        error = "The order must be a list of story ids."
    except (ValidationError, WorkflowError) as exc:
        error = refusal(exc)
    else:
        error = ""
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": not error, "error": error}, status=409 if error else 200)
    if error:
        messages.error(request, error)
    return back_to_builder(issue)
