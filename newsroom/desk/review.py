"""Review: the queue, the review page, and the POST-only workflow actions.

The rule for refusals: a role that may never take an action (an editor
approving, a reviewer submitting someone else's story) gets 403; an action
the role may take but not now (wrong status, missing source, approving one's
own story, an empty comment) is refused by the workflow with a message.
Either way the status is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from newsroom import roles
from newsroom.desk.stories import get_story
from newsroom.forms import RequestChangesForm
from newsroom.models import Story
from newsroom.views import desk_user_required, require_desk_user
from newsroom.workflow import (
    PUBLISH,
    REQUEST_CHANGES,
    SUBMIT,
    WITHDRAW,
    Transition,
    WorkflowError,
    perform,
)

if TYPE_CHECKING:
    from newsroom.workflow import User

DONE = {
    SUBMIT: "Submitted for review.",
    REQUEST_CHANGES: "Sent back to the author with your comment.",
    PUBLISH: "Approved and published.",
    WITHDRAW: "Withdrawn: the story is a draft again.",
}


def role_may(user: User, transition: Transition, story: Story) -> bool:
    if transition is SUBMIT:
        return roles.is_editor(user) or story.author_id == user.pk
    return roles.is_reviewer(user)


def require_reviewer(request: HttpRequest) -> None:
    if not roles.is_reviewer(request.user):
        raise PermissionDenied("Only reviewers review stories.")


@desk_user_required
def review_queue(request: HttpRequest) -> HttpResponse:
    require_reviewer(request)
    stories = Story.objects.in_review().for_desk().with_last_transition().order_by("updated_at")
    return render(request, "newsroom/review_queue.html", {"stories": stories})


@desk_user_required
def story_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_reviewer(request)
    story = get_story(pk)
    context = {
        "story": story,
        "actions": [t.name for t in story.allowed_transitions(request.user)],
        "request_changes_form": RequestChangesForm(),
        "own_story": story.author_id == request.user.pk,
    }
    return render(request, "newsroom/story_review.html", context)


def _act(request: HttpRequest, pk: int, transition: Transition, comment: str = "") -> Story:
    require_desk_user(request)
    story = get_story(pk)
    if not role_may(request.user, transition, story):
        raise PermissionDenied(f"Your role cannot {transition.label.lower()}.")
    try:
        perform(story, transition, by=request.user, comment=comment)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, DONE[transition])
    return story


@login_required
@require_POST
def story_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_act(request, pk, SUBMIT))


@login_required
@require_POST
def story_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_act(request, pk, PUBLISH))


@login_required
@require_POST
def story_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    form = RequestChangesForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    story = _act(request, pk, REQUEST_CHANGES, comment=comment)
    if not comment:
        return redirect("desk:story_review", pk=story.pk)
    return redirect(story)


@login_required
@require_POST
def story_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_act(request, pk, WITHDRAW))
