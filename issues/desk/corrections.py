"""The desk's side of corrections: start one on a published issue, edit it,
submit it, send it back, publish it as the next edition.

Every status change goes through the workflow (`perform`, or
`publish_correction` which calls it); these views only ask and report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from issues.corrections.correcting import start_correction
from issues.desk.access import get_issue_for
from issues.desk.forms import CorrectionForm
from issues.desk.publication import pending_publication, report_publication
from issues.models.editions import Correction
from issues.tasks import publish_correction_task
from newsroom import roles
from newsroom.desk.access import (
    desk_user_required,
    editor_required,
    id_from,
    perform_and_report,
    reviewer_required,
)
from newsroom.desk.diffing import has_changes, readable_text, word_diff
from newsroom.models import Story
from newsroom.review.workflow import (
    PUBLISH,
    REQUEST_CHANGES,
    SUBMIT,
    Status,
    Transition,
    WorkflowError,
)
from newsroom.writing.versioned import EditConflict

if TYPE_CHECKING:
    from newsroom.review.workflow import User


def get_correction(issue_pk: int, pk: int) -> Correction:
    return get_object_or_404(
        Correction.objects.select_related(
            "issue__newsletter", "story__source", "started_by", "edition"
        ),
        issue_id=issue_pk,
        pk=pk,
    )


@reviewer_required
@require_POST
def correction_start(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    story = get_object_or_404(
        Story, pk=id_from(request.POST.get("story")), issue_entries__issue=issue
    )
    try:
        correction = start_correction(
            issue=issue, story=story, note=request.POST.get("note", ""), by=request.user
        )
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        return redirect("issue_desk:issue_builder", pk=issue.pk)
    messages.success(request, "Correction started: an editor now fixes the text.")
    return redirect(correction)


@desk_user_required
def correction_detail(request: HttpRequest, pk: int, correction_pk: int) -> HttpResponse:
    correction = get_correction(pk, correction_pk)
    editable = correction.can_edit(request.user)
    form = CorrectionForm(instance=correction, initial={"version": correction.version})
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("You cannot change this correction now.")
        form = CorrectionForm(request.POST, instance=correction)
        if form.is_valid():
            try:
                form.instance.save_edit(
                    by=request.user, expected_version=form.cleaned_data["version"]
                )
            except EditConflict:
                messages.error(
                    request,
                    "Someone changed this correction since you opened it; your text is below,"
                    " the current one in the correction. Nothing was saved.",
                )
            except WorkflowError as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, "Saved the corrected text.")
                return redirect(correction)
    context = {
        "pending_publication": pending_publication(
            request, publish_correction_task, _session_key(correction), what="correction"
        ),
        "correction": correction,
        "issue": correction.issue,
        "form": form,
        "editable": editable,
        "allowed": {t.name for t in correction.allowed_transitions(request.user)},
        "is_reviewer": roles.is_reviewer(request.user),
        "is_editor": roles.is_editor(request.user),
        "transitions": correction.transitions.select_related("by"),  # type: ignore[attr-defined]
        "publish_refusal": why_not(correction, PUBLISH, request.user)
        if correction.status == Status.REVIEW
        else "",
        **changes(correction),
    }
    return render(request, "issues/desk/correction.html", context)


def why_not(correction: Correction, transition: Transition, user: User) -> str:
    """Why `user` may not take `transition` now (shown instead of the button)."""
    try:
        correction.check_transition(transition, by=user)
    except WorkflowError as refused:
        return str(refused)
    return ""


def changes(correction: Correction) -> dict[str, object]:
    """What the correction changes in the story as published, word by word
    (what the second reviewer approves). Once published, the story has the
    corrected text and the earlier one lives in the earlier edition."""
    if correction.edition is not None:
        return {}
    story = correction.story
    headline = word_diff(story.headline, correction.headline)
    body = word_diff(readable_text(story.body), readable_text(correction.body))
    return {
        "headline_diff": headline if has_changes(headline) else None,
        "body_diff": body,
        "changed": has_changes(headline) or has_changes(body),
    }


@editor_required
@require_POST
def correction_submit(request: HttpRequest, pk: int, correction_pk: int) -> HttpResponse:
    correction = get_correction(pk, correction_pk)
    perform_and_report(
        request, correction, SUBMIT, done="The correction now waits for a second reviewer."
    )
    return redirect(correction)


@reviewer_required
@require_POST
def correction_request_changes(request: HttpRequest, pk: int, correction_pk: int) -> HttpResponse:
    correction = get_correction(pk, correction_pk)
    perform_and_report(
        request,
        correction,
        REQUEST_CHANGES,
        comment=request.POST.get("comment", ""),
        done="The correction is back with the editors, with your comment.",
    )
    return redirect(correction)


@reviewer_required
@require_POST
def correction_publish(request: HttpRequest, pk: int, correction_pk: int) -> HttpResponse:
    """Queue the publication: rendering a correction takes seconds of a
    render worker, which a web request never waits for (with the immediate
    backend it has run when `enqueue` returns, and its outcome shows at once)."""
    correction = get_correction(pk, correction_pk)
    try:
        correction.check_transition(PUBLISH, by=request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
        return redirect(correction)
    result = publish_correction_task.enqueue(correction.pk, request.user.pk)  # type: ignore[arg-type]
    if not result.is_finished:
        request.session[_session_key(correction)] = result.id
        messages.info(request, "Publishing in the background: this page shows when it is done.")
        return redirect(correction)
    if not report_publication(request, result, what="correction"):
        return redirect(correction)
    return redirect("issue_desk:issue_builder", pk=correction.issue_id)  # type: ignore[attr-defined]


def _session_key(correction: Correction) -> str:
    return f"publish-correction-task-{correction.pk}"
