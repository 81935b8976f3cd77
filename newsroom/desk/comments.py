"""Comments on passages, from the desk: start a thread, reply, resolve.

All POST only, for desk users. A refused comment comes back on a page that
keeps the text typed, so nothing is lost.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from newsroom.desk.access import desk_user_required, get_story_for
from newsroom.models import Story
from newsroom.models.comments import Comment, CommentError
from newsroom.review.comments import comment_on_posted_passage, reply, resolve


def _next(request: HttpRequest, story: Story) -> str:
    """Where the form was posted from, if it is on this site; else the story."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return story.get_absolute_url()


def _back(request: HttpRequest, story: Story) -> HttpResponse:
    return redirect(_next(request, story))


def _refused(request: HttpRequest, story: Story, error: CommentError) -> HttpResponse:
    context = {
        "story": story,
        "error": str(error),
        "text": request.POST.get("text", ""),
        "quote": request.POST.get("quote", ""),
        "back": _next(request, story),
    }
    return render(request, "newsroom/comment_refused.html", context, status=400)


@desk_user_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    try:
        comment_on_posted_passage(story, request.POST, by=request.user)
    except CommentError as error:
        return _refused(request, story, error)
    messages.success(request, "Comment added.")
    return _back(request, story)


def _thread(story: Story, comment_id: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("story", "author"),
        pk=comment_id,
        story=story,
        parent__isnull=True,
    )


@desk_user_required
@require_POST
def comment_reply(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    thread = _thread(story, comment_id)
    try:
        reply(thread, text=request.POST.get("text", ""), by=request.user)
    except CommentError as error:
        return _refused(request, story, error)
    messages.success(request, "Reply added.")
    return _back(request, story)


@desk_user_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    thread = _thread(story, comment_id)
    if not thread.can_resolve(request.user):
        raise PermissionDenied("Only a reviewer, the author or the thread's starter resolves it.")
    resolve(thread, by=request.user)
    messages.success(request, "Thread resolved.")
    return _back(request, story)
