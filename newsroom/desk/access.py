"""Who may use the desk, and how a desk action reports its outcome.

Every desk view, in either room, is guarded by one of these decorators; the
roles themselves are defined in newsroom.roles. They stand in one order
everywhere: access first, then the method (`@editor_required` above
`@require_POST`), so a stranger learns nothing about which methods a URL takes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from newsroom import roles
from newsroom.models import Story
from newsroom.review.workflow import Transition, WorkflowError, perform

if TYPE_CHECKING:
    from newsroom.review.workflow import User, WorkflowModel

View = Callable[..., HttpResponse]

DESK_ONLY = "The desk is for editors and reviewers."
EDITORS_ONLY = "Only editors write stories, keep the sources and build issues."
REVIEWERS_ONLY = "Only reviewers review stories and publish issues."
# What a 403 says when a role may never take a story's transition.
ROLE_REFUSALS = {
    "submit": "Only the author or an editor submits a story for review.",
    "request_changes": "Only reviewers send stories back to their authors.",
    "publish": "Only reviewers approve stories.",
    "withdraw": "Only reviewers withdraw approved stories.",
    "recall": "Only the story's author, an editor, recalls it from review.",
}


def _role_required(allowed: Callable[[User], bool], refusal: str) -> Callable[[View], View]:
    """Sign in first; then 403 unless `allowed(user)`."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


desk_user_required = _role_required(roles.is_desk_user, DESK_ONLY)
editor_required = _role_required(roles.is_editor, EDITORS_ONLY)
reviewer_required = _role_required(roles.is_reviewer, REVIEWERS_ONLY)


def perform_and_report(
    request: HttpRequest,
    obj: WorkflowModel,
    transition: Transition,
    *,
    done: str,
    comment: str = "",
) -> None:
    """Apply `transition` as the signed-in user and tell them how it went:
    `done` on success, else the workflow's refusal (the status unchanged)."""
    try:
        perform(obj, transition, by=request.user, comment=comment)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)


EDIT = "edit"


def id_from(value: str | None) -> int:
    """An id as a form or an address gave it, or 0 (which no row has) for
    anything that is not one: a hand-edited page gets a 404, not an error."""
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


def get_story_for(user: User, pk: int, action: Transition | str | None = None) -> Story:
    """The story `pk`, for `user` to look at or to take `action` on.

    Every desk user sees every story; a missing one is a 404. `action` is a
    transition or EDIT: a role that may never take the transition, or may
    not edit the story in its current state, gets 403. What is refused only
    for now (a missing source, one's own story) is the workflow's to say.
    """
    story = get_object_or_404(Story.objects.for_desk(), pk=pk)
    if action == EDIT and not story.can_edit(user):
        raise PermissionDenied("You cannot edit this story in its current state.")
    if isinstance(action, Transition) and not story.role_allows(action, user):
        raise PermissionDenied(ROLE_REFUSALS[action.name])
    return story
