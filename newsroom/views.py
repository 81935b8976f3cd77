from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from newsroom import roles
from newsroom.models import Story


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


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_desk_user(request)
    context = {
        "my_drafts": Story.objects.drafts().filter(author=request.user),
        "awaiting_review": Story.objects.in_review().select_related("author"),
    }
    return render(request, "newsroom/dashboard.html", context)
