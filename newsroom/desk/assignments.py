"""Assignments on the desk: plan a story slot, change it, write it, drop it.

Editors plan slots for themselves or for another editor; only the assignee
writes one, which turns it into the story's first draft.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from newsroom.desk.access import editor_required
from newsroom.forms import AssignmentForm
from newsroom.models.planning import PLANNED_FIELDS, Assignment, SlotConflict, tell_planned
from newsroom.planning.reminders import keep_reminding, mail_desk_notice
from newsroom.review.workflow import WorkflowError

if TYPE_CHECKING:
    from newsroom.review.workflow import User


def slots() -> QuerySet[Assignment]:
    return Assignment.objects.select_related("newsletter", "assignee", "story")


def get_assignment(pk: int) -> Assignment:
    return get_object_or_404(slots(), pk=pk)


@editor_required
def assignment_new(request: HttpRequest) -> HttpResponse:
    planned = Assignment(created_by_id=request.user.pk)  # type: ignore[misc]
    initial = {"assignee": request.user.pk, "newsletter": request.GET.get("newsletter")}
    form = AssignmentForm(request.POST or None, instance=planned, initial=initial)
    if request.method == "POST" and form.is_valid():
        assignment = form.save()
        _tell_assignee(assignment, by=request.user)
        keep_reminding()
        messages.success(request, f"Planned “{assignment}” for {assignment.assignee}.")
        return redirect("desk:calendar")
    return render(request, "newsroom/assignment_form.html", {"form": form, "assignment": None})


@editor_required
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a slot. A save made from an older version than the slot's
    current one is refused with the conflict page (409): both versions side
    by side, and the form holding what this user typed."""
    assignment = slots().filter(pk=pk).first()
    if assignment is None and request.method == "POST":
        return dropped_page(request)
    if assignment is None:
        raise Http404("No such slot.")
    assignee_before = assignment.assignee_id  # type: ignore[attr-defined]
    form = AssignmentForm(request.POST or None, instance=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            form.instance.save_edit(expected_version=form.loaded_version)
        except SlotConflict as conflict:
            return conflict_page(request, form, conflict.current)
        if form.instance.assignee_id != assignee_before:  # type: ignore[attr-defined]
            _tell_assignee(form.instance, by=request.user)
        keep_reminding()
        messages.success(request, f"Saved the slot “{assignment}”.")
        return redirect("desk:calendar")
    return render(
        request, "newsroom/assignment_form.html", {"form": form, "assignment": assignment}
    )


def _tell_assignee(assignment: Assignment, *, by: User) -> None:
    """The person a slot is now planned for hears of it (unless it is the
    planner): a desk notice, mailed once the slot is saved."""
    notice = tell_planned(assignment, by=by)
    if notice is not None:
        transaction.on_commit(lambda: mail_desk_notice.enqueue(notice_id=notice.pk))


def conflict_page(request: HttpRequest, form: AssignmentForm, current: Assignment) -> HttpResponse:
    mine = form.cleaned_data
    current = get_assignment(current.pk)
    initial = {name: mine[name] for name in PLANNED_FIELDS} | {"version": current.version}
    merge = AssignmentForm(instance=current, initial=initial)
    changes = []
    for name in PLANNED_FIELDS:
        now, yours = _shown(current, name), _shown(form.instance, name)
        label = merge.fields[name].label
        changes.append({"label": label, "current": now, "mine": yours, "differs": now != yours})
    context = {"form": merge, "assignment": current, "conflict": True, "changes": changes}
    return render(request, "newsroom/assignment_form.html", context, status=409)


def dropped_page(request: HttpRequest) -> HttpResponse:
    """The slot was dropped while this user edited it: nothing is saved, and
    what they typed comes back as a new slot to plan, if they still want it."""
    planned = Assignment(created_by_id=request.user.pk)  # type: ignore[misc]
    form = AssignmentForm(request.POST, instance=planned)
    form.is_valid()  # shows what would still be refused
    context = {"form": form, "assignment": None, "dropped": True}
    return render(request, "newsroom/assignment_form.html", context, status=409)


def _shown(assignment: Assignment, name: str) -> str:
    value = getattr(assignment, name)
    if name == "due_at":
        return f"{timezone.localtime(value):%a %-d %b %Y, %H:%M}"
    return str(value)


@editor_required
@require_POST
def assignment_write(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment(pk)
    try:
        story = assignment.write(by=request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        assignment.refresh_from_db()
        return redirect(assignment.story or "desk:dashboard")
    messages.success(request, "Your draft is started from the slot: write it here.")
    return redirect("desk:story_edit", pk=story.pk)


@editor_required
@require_POST
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment(pk)
    if assignment.story_id is not None:
        messages.error(request, "This slot has been written: its story stays, and so does it.")
    else:
        assignment.delete()
        messages.success(request, f"Dropped the slot “{assignment.headline}”.")
    return redirect("desk:calendar")
