"""The desk's front page: what waits for me, and what the other room adds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from newsroom import roles
from newsroom.desk.access import desk_user_required
from newsroom.extension import publishing_room
from newsroom.models import Story
from newsroom.models.planning import Assignment, DeskNotice
from newsroom.models.stories import label_stories

PANEL_SIZE = 10


@desk_user_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = Story.objects.for_desk().filter(author_id=user.pk)
    awaiting = Story.objects.none()
    if roles.is_reviewer(user):
        # Nobody approves their own story, so it does not wait for them.
        awaiting = Story.objects.in_review().for_desk().exclude(author_id=user.pk)
    context = {
        "notices": DeskNotice.objects.filter(user_id=user.pk, dismissed_at__isnull=True)[  # type: ignore[misc]
            :PANEL_SIZE
        ],
        "assigned": Assignment.objects.for_calendar()
        .open()
        .filter(assignee_id=user.pk)
        .order_by("due_at")[:PANEL_SIZE],
        "now": timezone.now(),
        # Found by the mark the workflow keeps (story_sent_back_idx); the
        # reviewer's words are then looked up for the rows shown only.
        "sent_back": mine.sent_back()
        .order_by("-sent_back_at", "-pk")
        .with_last_transition()[:PANEL_SIZE],
        "my_drafts": mine.drafts().filter(sent_back_at=None).order_by("-updated_at")[:PANEL_SIZE],
        "my_in_review": mine.in_review()[:PANEL_SIZE],
        "awaiting_review": awaiting.order_by("updated_at")[:PANEL_SIZE],
        "panels": publishing_room().dashboard_panels(request),
        "recently_approved": label_stories(
            Story.objects.published().for_desk().order_by("-published_at")[:PANEL_SIZE]
        ),
    }
    return render(request, "newsroom/dashboard.html", context)


@desk_user_required
@require_POST
def dismiss_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide one of my notices (someone else's is a 404)."""
    notice = get_object_or_404(DeskNotice, pk=pk, user_id=request.user.pk)
    notice.dismissed_at = notice.dismissed_at or timezone.now()
    notice.save(update_fields=["dismissed_at"])
    return redirect("desk:dashboard")
