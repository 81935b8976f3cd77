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

from newsroom import roles
from newsroom.workflow import Transition, WorkflowError, perform

if TYPE_CHECKING:
    from newsroom.workflow import User, WorkflowModel

View = Callable[..., HttpResponse]

DESK_ONLY = "The desk is for editors and reviewers."


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
editor_required = _role_required(roles.is_editor, "Only editors can do this.")
reviewer_required = _role_required(roles.is_reviewer, "Only reviewers can do this.")


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
