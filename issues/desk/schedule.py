"""Scheduling an issue for a time, cancelling that, and moving its deadlines."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from issues.desk.access import get_issue_for
from issues.desk.acting import back_to_builder
from issues.desk.forms import DeadlinesForm, ScheduleForm
from issues.publishing.publish import PublishError
from issues.publishing.scheduling import cancel_schedule, local, schedule_issue
from newsroom.desk.access import desk_user_required, editor_required
from newsroom.review.workflow import PUBLISH, Status, WorkflowError


@desk_user_required
@require_POST
def issue_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk, PUBLISH)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date and time to publish at.")
        return back_to_builder(issue)
    try:
        schedule_issue(issue=issue, by=request.user, when=form.cleaned_data["when"])
    except (WorkflowError, PublishError) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Scheduled: the issue will be published {local(issue.scheduled_for)}."  # type: ignore[arg-type]
            " Until then subscribers see nothing of it.",
        )
    return back_to_builder(issue)


@desk_user_required
@require_POST
def issue_cancel_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk, PUBLISH)
    try:
        cancel_schedule(issue=issue, by=request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The schedule is cancelled; the issue is back in review.")
    return back_to_builder(issue)


@editor_required
def issue_deadlines(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    if issue.status == Status.PUBLISHED:
        messages.error(request, "This issue is published: its deadlines are history.")
        return back_to_builder(issue)
    form = DeadlinesForm(request.POST or None, instance=issue)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Deadlines saved.")
        return back_to_builder(issue)
    context = {"issue": issue, "form": form, "now": timezone.now()}
    return render(request, "issues/desk/issue_deadlines.html", context)
