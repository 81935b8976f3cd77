"""Inviting outside reviewers to a story, and withdrawing their links."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from newsroom.desk.access import get_story_for, reviewer_required
from newsroom.forms import InviteForm
from newsroom.models.invitations import Invitation, StoryInvitation
from newsroom.review.invitations import invite
from newsroom.text import local_time


def invite_from_form(request: HttpRequest, model: type[Invitation], subject: object) -> None:
    """Create the invitation the posted InviteForm asks for, and say how it went."""
    form = InviteForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Nobody was invited: {problems}")
        return
    invitation = invite(
        model,
        subject=subject,
        email=form.cleaned_data["email"],
        days=form.cleaned_data["days"],
        by=request.user,
    )
    messages.success(
        request,
        f"Invited {invitation.email}; the link works until {local_time(invitation.closes_at())}.",
    )


def revoke_and_report(request: HttpRequest, invitation: Invitation) -> None:
    if invitation.revoke(by=request.user):
        messages.success(request, f"Withdrew the link of {invitation.email}.")
    else:
        messages.info(request, f"The link of {invitation.email} was already withdrawn.")


@reviewer_required
@require_POST
def story_invite(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    invite_from_form(request, StoryInvitation, story)
    return redirect("desk:story_review", pk=story.pk)


@reviewer_required
@require_POST
def story_invitation_revoke(
    request: HttpRequest, pk: int, invitation_id: uuid.UUID
) -> HttpResponse:
    story = get_story_for(request.user, pk)
    invitation = get_object_or_404(StoryInvitation, pk=invitation_id, story=story)
    revoke_and_report(request, invitation)
    return redirect("desk:story_review", pk=story.pk)
