"""The desk's front page, its access rules, and the liveness probe.

The story, review, history and source pages live in newsroom/desk/; they
share the access decorators and `perform_and_report` from here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from newsroom import roles
from newsroom.models import Story
from newsroom.workflow import REQUEST_CHANGES, Status, Transition, WorkflowError, perform

if TYPE_CHECKING:
    from newsroom.workflow import User, WorkflowModel

View = Callable[..., HttpResponse]
PANEL_SIZE = 10


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the load balancer: 200 while the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not alive"
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


DESK_ONLY = "The desk is for editors and reviewers."


def require_desk_user(request: HttpRequest) -> None:
    if not roles.is_desk_user(request.user):
        raise PermissionDenied(DESK_ONLY)


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


def issues_in_progress() -> list[Any]:
    # By name: newsroom never imports from issues.
    issue_model = apps.get_model("issues", "Issue")
    return list(
        issue_model.objects.exclude(status=Status.PUBLISHED)
        .select_related("newsletter")
        .order_by("-period_start", "-number")[:PANEL_SIZE]
    )


@desk_user_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = Story.objects.for_desk().filter(author_id=user.pk)
    awaiting = Story.objects.none()
    if roles.is_reviewer(user):
        # Nobody approves their own story, so it does not wait for them.
        awaiting = Story.objects.in_review().for_desk().exclude(author_id=user.pk)
    context = {
        "sent_back": mine.sent_back()[:PANEL_SIZE],
        "my_drafts": mine.drafts()
        .with_last_transition()
        .filter(Q(last_transition__isnull=True) | ~Q(last_transition=REQUEST_CHANGES.name))
        .order_by("-updated_at")[:PANEL_SIZE],
        "my_in_review": mine.in_review()[:PANEL_SIZE],
        "awaiting_review": awaiting.order_by("updated_at")[:PANEL_SIZE],
        "issues_in_progress": issues_in_progress(),
        "recently_published": Story.objects.published()
        .for_desk()
        .order_by("-published_at")[:PANEL_SIZE],
    }
    return render(request, "newsroom/dashboard.html", context)
