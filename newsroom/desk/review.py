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
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from newsroom.desk.access import (
    desk_user_required,
    get_story_for,
    perform_and_report,
    reviewer_required,
)
from newsroom.desk.since import since_last_look
from newsroom.desk.threads import anchors, threads_for
from newsroom.forms import InviteForm, RequestChangesForm, WithdrawForm
from newsroom.models import Story
from newsroom.models.invitations import StoryInvitationUse, Use
from newsroom.models.stories import OpenComments
from newsroom.paging import bounded_page
from newsroom.review.comments import resolve_all_open
from newsroom.review.workflow import (
    PUBLISH,
    RECALL,
    REQUEST_CHANGES,
    SUBMIT,
    WITHDRAW,
    Transition,
    WorkflowError,
    perform,
)

if TYPE_CHECKING:
    from newsroom.review.workflow import User

DONE = {
    SUBMIT: "Submitted for review.",
    REQUEST_CHANGES: "Sent back to the author with your comment.",
    PUBLISH: "Approved: the story is ready for an issue.",
    WITHDRAW: "Withdrawn: the story is a draft again; the author sees your reason.",
    RECALL: "Recalled: the story is a draft again. Submit it when it is ready.",
}

QUEUE_PAGE_SIZE = 25


@reviewer_required
def review_queue(request: HttpRequest) -> HttpResponse:
    stories = Story.objects.in_review().for_desk().order_by("updated_at", "pk")
    page = bounded_page(stories, QUEUE_PAGE_SIZE, request.GET.get("page"))
    return render(request, "newsroom/review_queue.html", {"stories": page, "page": page})


@reviewer_required
def story_review(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    threads = threads_for(story, request.user)
    context = {
        "story": story,
        "actions": [t.name for t in story.allowed_transitions(request.user)],
        "approve_resolving": _approvable_by_resolving(story, request.user),
        "request_changes_form": RequestChangesForm(),
        "own_story": story.author_id == request.user.pk,
        "own_edit": story.last_edited_by_id == request.user.pk,  # type: ignore[attr-defined]
        "threads": threads,
        "open_threads": [t for t in threads if t.is_open],
        "anchors": anchors(threads),
        "commentable": True,
        "since": since_last_look(story, request.user),
        "invite_form": InviteForm(),
        "invitations": story.invitations.select_related("invited_by"),  # type: ignore[attr-defined]
        "outside_verdicts": StoryInvitationUse.objects.filter(
            invitation__story=story, action=Use.VERDICT
        ),
    }
    return render(request, "newsroom/story_review.html", context)


def _approvable_by_resolving(story: Story, user: User) -> int:
    """How many open threads stand between `user` and approving, if only they do."""
    try:
        story.check_transition(PUBLISH, by=user)
    except OpenComments as blocked:
        return blocked.count
    except WorkflowError:
        pass
    return 0


def _act(request: HttpRequest, pk: int, transition: Transition, comment: str = "") -> Story:
    story = get_story_for(request.user, pk, transition)
    perform_and_report(request, story, transition, done=DONE[transition], comment=comment)
    return story


@desk_user_required
@require_POST
def story_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_act(request, pk, SUBMIT))


@desk_user_required
@require_POST
def story_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve; with resolve_open=1 the reviewer resolves every open thread
    as they approve (both or neither: a refusal resolves nothing)."""
    if request.POST.get("resolve_open") != "1":
        return redirect(_act(request, pk, PUBLISH))
    story = get_story_for(request.user, pk, PUBLISH)
    try:
        with transaction.atomic():
            resolved = resolve_all_open(story, by=request.user)
            perform(story, PUBLISH, by=request.user)
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Resolved {resolved} open comment(s). {DONE[PUBLISH]}")
    return redirect(story)


@desk_user_required
@require_POST
def story_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    form = RequestChangesForm(request.POST)
    valid = form.is_valid()
    # An invalid comment still goes to the workflow, which says what is wrong.
    comment = form.cleaned_data["comment"] if valid else request.POST.get("comment", "")
    story = _act(request, pk, REQUEST_CHANGES, comment=comment)
    if not valid:
        return redirect("desk:story_review", pk=story.pk)
    return redirect(story)


@desk_user_required
@require_POST
def story_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw with a reason, which the author sees on the story and by mail.
    A refusal of the workflow itself (in an issue, scheduled) is said first."""
    form = WithdrawForm(request.POST)
    if form.is_valid():
        return redirect(_act(request, pk, WITHDRAW, comment=form.cleaned_data["reason"]))
    story = get_story_for(request.user, pk, WITHDRAW)
    try:
        story.check_transition(WITHDRAW, by=request.user, comment="-")
    except WorkflowError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.error(request, Story.reason_required[WITHDRAW])
    return redirect(story)


@desk_user_required
@require_POST
def story_recall(request: HttpRequest, pk: int) -> HttpResponse:
    """The author, an editor, takes their submitted story back to draft."""
    return redirect(_act(request, pk, RECALL))
