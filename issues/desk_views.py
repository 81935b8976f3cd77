from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from issues.models import Issue
from newsroom.views import require_desk_user


@login_required
def issue_list(request: HttpRequest) -> HttpResponse:
    require_desk_user(request)
    issues = Issue.objects.select_related("newsletter")
    return render(request, "issues/desk/issue_list.html", {"issues": issues})
