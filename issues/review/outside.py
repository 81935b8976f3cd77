"""An outside reviewer's page for a whole issue, and the desk's side of it
(invite, withdraw). The generic parts live in newsroom.review.outside."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from issues.desk.access import get_issue_for
from issues.models import Issue
from issues.models.invitations import IssueInvitation
from newsroom.desk.access import reviewer_required
from newsroom.desk.invitations import invite_from_form, revoke_and_report
from newsroom.models.invitations import Use, Verdict
from newsroom.review.outside import (
    anchors_of,
    own_threads,
    post_comment,
    post_reply,
    post_verdict,
    verdicts,
    with_invitation,
)


@with_invitation(IssueInvitation)
def outside_issue(request: HttpRequest, invitation: IssueInvitation) -> HttpResponse:
    invitation.log(Use.OPENED)
    issue = Issue.objects.select_related("newsletter").get(pk=invitation.issue_id)
    stories = issue.ordered_stories()
    threads = own_threads(invitation, stories)
    token = invitation.token()
    context = {
        "invitation": invitation,
        "issue": issue,
        "stories": stories,
        "threads": threads,
        "anchors": anchors_of(threads),
        "verdicts": verdicts(invitation),
        "verdict_choices": Verdict.choices,
        "comment_action": reverse("issues:outside_issue_comment", args=[issue.pk, token]),
        "verdict_action": reverse("issues:outside_issue_verdict", args=[issue.pk, token]),
        "reply_action": reverse("issues:outside_issue_reply", args=[issue.pk, token]),
    }
    return render(request, "issues/outside_issue.html", context)


@with_invitation(IssueInvitation)
@require_POST
def outside_issue_comment(request: HttpRequest, invitation: IssueInvitation) -> HttpResponse:
    # Only a story of this issue: the link shows nothing else.
    stories = {str(s.pk): s for s in invitation.issue.ordered_stories()}
    post_comment(request, invitation, stories.get(request.POST.get("story", "")))
    return redirect("issues:outside_issue", invitation.issue_id, invitation.token())


@with_invitation(IssueInvitation)
@require_POST
def outside_issue_reply(request: HttpRequest, invitation: IssueInvitation) -> HttpResponse:
    post_reply(request, invitation, invitation.issue.ordered_stories())
    return redirect("issues:outside_issue", invitation.issue_id, invitation.token())


@with_invitation(IssueInvitation)
@require_POST
def outside_issue_verdict(request: HttpRequest, invitation: IssueInvitation) -> HttpResponse:
    post_verdict(request, invitation)
    return redirect("issues:outside_issue", invitation.issue_id, invitation.token())


@reviewer_required
@require_POST
def issue_invite(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    invite_from_form(request, IssueInvitation, issue)
    return redirect("issue_desk:issue_builder", pk=issue.pk)


@reviewer_required
@require_POST
def issue_invitation_revoke(
    request: HttpRequest, pk: int, invitation_id: uuid.UUID
) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    invitation = get_object_or_404(IssueInvitation, pk=invitation_id, issue=issue)
    revoke_and_report(request, invitation)
    return redirect("issue_desk:issue_builder", pk=pk)
