"""The pages an outside reviewer reaches through a signed link (no account).

They show one story (here) or one issue (the publishing room's pages, built
on the helpers below); the reviewer comments on passages and gives a verdict. They
cannot change text or status. A link that cannot be used (tampered, for
another object, revoked, expired) gets a page saying so, changes nothing,
and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from newsroom.models import Story
from newsroom.models.comments import Comment, CommentError
from newsroom.models.invitations import Invitation, Refusal, StoryInvitation, Use, Verdict
from newsroom.review.comments import comment_on_posted_passage, reply

log = logging.getLogger("newsroom.review.outside")

OutsideView = Callable[..., HttpResponse]


def refusal_page(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    return render(
        request, "newsroom/outside_refused.html", {"refusal": refusal}, status=refusal.status
    )


def with_invitation(model: type[Invitation]) -> Callable[[OutsideView], OutsideView]:
    """Resolve `token` for the object `pk` to a usable invitation, passed to
    the view in its place; else answer with the refusal page."""

    def decorator(view: OutsideView) -> OutsideView:
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int, token: str) -> HttpResponse:
            response = answer(request, pk, token)
            # The address is a credential: search engines must not list it.
            response["X-Robots-Tag"] = "noindex"
            return response

        def answer(request: HttpRequest, pk: int, token: str) -> HttpResponse:
            try:
                invitation = model.from_token(token)
                invitation.check_usable(pk)
            except Refusal as refusal:
                # Not the token: a link is a credential, logs are read widely.
                log.warning(
                    "refused review link (%s) for %s %s: %s",
                    request.method,
                    model.SUBJECT,
                    pk,
                    refusal.title,
                )
                return refusal_page(request, refusal)
            log.info("review link used by %s on %s %s", invitation.email, model.SUBJECT, pk)
            return view(request, invitation)

        return wrapper

    return decorator


def own_threads(invitation: Invitation, stories: list[Story]) -> list[Comment]:
    """The threads this outside reviewer started; nobody else's."""
    return list(
        Comment.objects.threads()
        .filter(story__in=stories, author_email=invitation.email)
        .prefetch_related("replies")
        .order_by("story_id", "start", "pk")
    )


def anchors_of(threads: list[Comment]) -> list[dict[str, Any]]:
    return [
        {"id": t.pk, "story": t.story_id, "start": t.start, "end": t.end}
        for t in threads
        if t.is_open and not t.lost and t.end > t.start
    ]


def post_comment(request: HttpRequest, invitation: Invitation, story: Story | None) -> None:
    """A comment on a passage of `story` (None: not one this link may see)."""
    if story is None:
        messages.error(request, "Comment on the text shown on this page.")
        return
    _write(
        request,
        invitation,
        lambda: comment_on_posted_passage(
            story,
            request.POST,
            email=invitation.email,
            # Whoever invited them hears of it: they are not in the thread yet.
            also_tell=[invitation.invited_by.email],
        ),
        thanks="Thank you: your comment is with the newsroom.",
    )


def _write(
    request: HttpRequest, invitation: Invitation, write: Callable[[], object], *, thanks: str
) -> None:
    """Write an outside reviewer's comment or reply: on a refusal, say why
    and give back the text typed; else log the use and thank them."""
    try:
        write()
    except CommentError as error:
        messages.error(request, f"{error} Your text: “{request.POST.get('text', '')[:500]}”")
        return
    invitation.log(Use.COMMENTED)
    messages.success(request, thanks)


def post_reply(request: HttpRequest, invitation: Invitation, stories: list[Story]) -> None:
    """A reply to one of this reviewer's own threads on `stories` (the ones
    the link shows); anything else is answered as not found, changing nothing."""
    thread = (
        Comment.objects.threads()
        .select_related("story__author")
        .filter(
            story__in=stories,
            author_email=invitation.email,
            pk=_int(request.POST.get("thread", "")),
        )
        .first()
    )
    if not thread:
        messages.error(request, "Reply to one of your own comments on this page.")
        return
    _write(
        request,
        invitation,
        lambda: reply(
            thread,
            text=request.POST.get("text", ""),
            email=invitation.email,
            also_tell=[invitation.invited_by.email],
        ),
        thanks="Thank you: your reply is with the newsroom.",
    )


def post_verdict(request: HttpRequest, invitation: Invitation) -> None:
    try:
        verdict = Verdict(request.POST.get("verdict", ""))
        invitation.give_verdict(verdict, request.POST.get("comment", ""))
    except ValueError as error:
        messages.error(
            request,
            "Choose “looks good” or “needs changes”, with a comment for changes."
            if "is not a valid" in str(error)
            else f"{error} Your text: “{request.POST.get('comment', '')[:500]}”",
        )
    else:
        messages.success(request, f"Thank you: your verdict ({verdict.label}) is recorded.")


def _int(value: str) -> int:
    """A posted number, or 0 for anything that is not one a database holds."""
    try:
        number = int(value)
    except ValueError:
        return 0
    return number if 0 <= number < 2**31 else 0


def verdicts(invitation: Invitation) -> list[Any]:
    return list(invitation.uses.filter(action=Use.VERDICT))  # type: ignore[attr-defined]


@with_invitation(StoryInvitation)
def outside_story(request: HttpRequest, invitation: StoryInvitation) -> HttpResponse:
    invitation.log(Use.OPENED)
    story = Story.objects.select_related("source").get(pk=invitation.story_id)
    threads = own_threads(invitation, [story])
    context = {
        "invitation": invitation,
        "story": story,
        "threads": threads,
        "anchors": anchors_of(threads),
        "verdicts": verdicts(invitation),
        "verdict_choices": Verdict.choices,
        "comment_action": reverse("outside_story_comment", args=[story.pk, invitation.token()]),
        "verdict_action": reverse("outside_story_verdict", args=[story.pk, invitation.token()]),
        "reply_action": reverse("outside_story_reply", args=[story.pk, invitation.token()]),
    }
    return render(request, "newsroom/outside_story.html", context)


@with_invitation(StoryInvitation)
@require_POST
def outside_story_comment(request: HttpRequest, invitation: StoryInvitation) -> HttpResponse:
    post_comment(request, invitation, invitation.story)
    return redirect("outside_story", invitation.story_id, invitation.token())


@with_invitation(StoryInvitation)
@require_POST
def outside_story_verdict(request: HttpRequest, invitation: StoryInvitation) -> HttpResponse:
    post_verdict(request, invitation)
    return redirect("outside_story", invitation.story_id, invitation.token())


@with_invitation(StoryInvitation)
@require_POST
def outside_story_reply(request: HttpRequest, invitation: StoryInvitation) -> HttpResponse:
    post_reply(request, invitation, [invitation.story])
    return redirect("outside_story", invitation.story_id, invitation.token())
