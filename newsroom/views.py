"""The desk's front page, its access rules, and the liveness probe.

The story, review, history and source pages live in newsroom/desk/; they
share `desk_user_required` and `editor_required` from here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache

from newsroom import roles
from newsroom.models import Story
from newsroom.workflow import REQUEST_CHANGES, Status

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


def require_desk_user(request: HttpRequest) -> None:
    if not roles.is_desk_user(request.user):
        raise PermissionDenied("The desk is for editors and reviewers.")


def desk_user_required(view: View) -> View:
    """Sign in first; then the desk answers 403 to anyone but editors and reviewers."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_desk_user(request)
        return view(request, *args, **kwargs)

    return wrapper


def editor_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.is_editor(request.user):
            raise PermissionDenied("Only editors can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def issue_desk_url(issue: Any) -> str:
    """The issue builder's page for `issue` (named by the issues app), or the list."""
    try:
        return reverse("issue_desk:issue_builder", args=[issue.pk])
    except NoReverseMatch:
        return reverse("issue_desk:issue_list")


def issues_in_progress() -> list[Any]:
    # By name: newsroom never imports from issues.
    issue_model = apps.get_model("issues", "Issue")
    issues = list(
        issue_model.objects.exclude(status=Status.PUBLISHED)
        .select_related("newsletter")
        .order_by("-period_start", "-number")[:PANEL_SIZE]
    )
    for issue in issues:
        issue.desk_url = issue_desk_url(issue)  # type: ignore[attr-defined]
    return issues


@desk_user_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = Story.objects.for_desk().filter(author_id=user.pk).with_last_transition()
    awaiting = Story.objects.none()
    if roles.is_reviewer(user):
        # Nobody approves their own story, so it does not wait for them.
        awaiting = Story.objects.in_review().for_desk().exclude(author_id=user.pk)
    context = {
        "sent_back": mine.sent_back()[:PANEL_SIZE],
        "my_drafts": mine.drafts()
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
