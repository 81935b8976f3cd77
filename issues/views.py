from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from issues.models import Issue, Newsletter


def home(request: HttpRequest) -> HttpResponse:
    newsletters = Newsletter.objects.all()
    latest = Issue.objects.published().select_related("newsletter")[:5]
    return render(request, "issues/home.html", {"newsletters": newsletters, "latest": latest})


@login_required
def archive(request: HttpRequest) -> HttpResponse:
    issues = Issue.objects.visible_to(request.user).published().select_related("newsletter")
    return render(request, "issues/archive.html", {"issues": issues})


@login_required
def issue_detail(request: HttpRequest, newsletter: str, number: int) -> HttpResponse:
    issue = get_object_or_404(
        Issue.objects.visible_to(request.user).published(),
        newsletter__slug=newsletter,
        number=number,
    )
    return render(request, "issues/issue_detail.html", {"issue": issue})
