"""Nothing typed is lost: autosaved drafts, and text posted after sign-out.

Autosave: the story form's script posts the form here while it changes
(StoryDraft, one per person and story). Signed out: a story form posted
without a session (it expired while the person typed) keeps its text in the
new, anonymous session and sends the person to sign in; the session survives
the sign-in (Django cycles its key, keeping its data) and the form, opened
again, is filled with that text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_POST

from newsroom import roles
from newsroom.desk.access import EDIT, EDITORS_ONLY, desk_user_required, get_story_for
from newsroom.forms import StoryForm
from newsroom.models import Story
from newsroom.models.drafts import DRAFT_FIELDS, TYPED_LENGTH, StoryDraft, refusals
from newsroom.writing.sanitizing import MAX_BODY_LENGTH

if TYPE_CHECKING:
    from newsroom.review.workflow import User

View = Callable[..., HttpResponse]

KEPT = "desk_kept_text"
KEPT_NOTICE = "You were signed out; your text is kept: check it and save."
RESTORED_NOTICE = "Your unsaved changes from {time} are back in the form: check them and save."


def when(instant: datetime.datetime) -> str:
    """An instant in the publisher's zone: "14:02" today, else with its date."""
    local = timezone.localtime(instant)
    today = timezone.localdate()
    return format_date(local, "H:i" if local.date() == today else "j M Y, H:i")


# Signed out -------------------------------------------------------------


def keep_text_when_signed_out(view: View) -> View:
    """Outermost on a story form: a POST without a signed-in user keeps the
    posted fields in the session, then asks for the sign-in as usual."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not request.user.is_authenticated:
            kept = _posted_text(request)
            if kept is not None:
                request.session[KEPT] = {"path": request.path, "fields": kept}
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _posted_text(request: HttpRequest) -> dict[str, str] | None:
    """The story fields of the POST, or None when they are beyond any story's
    bounds (kept nowhere, as the form would refuse them)."""
    fields = {name: request.POST.get(name, "") for name in (*DRAFT_FIELDS, "version")}
    if len(fields["body"]) > MAX_BODY_LENGTH or any(
        len(value) > TYPED_LENGTH for name, value in fields.items() if name != "body"
    ):
        return None
    return fields


def kept_text(request: HttpRequest) -> dict[str, str] | None:
    """The text kept for this form when its sender was signed out, taken out
    of the session (it fills the form once)."""
    kept = request.session.get(KEPT)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None
    del request.session[KEPT]
    fields = kept.get("fields")
    return fields if isinstance(fields, dict) else None


def form_with_unsaved_text(
    request: HttpRequest, story: Story | None, instance: Story
) -> tuple[StoryForm, StoryDraft | None, bool]:
    """The story form for a GET: filled with text kept at sign-out, or with the
    person's draft when they asked to restore it, else as saved. Returns the
    form, the draft still on offer (if any) and whether the form holds
    unsaved text."""
    draft = StoryDraft.find(user=request.user, story=story)  # type: ignore[arg-type]
    kept = kept_text(request)
    if kept is not None:
        messages.warning(request, KEPT_NOTICE)
        return StoryForm(instance=instance, initial=kept), draft, True
    if draft is not None and request.GET.get("draft") == "restore":
        messages.info(request, RESTORED_NOTICE.format(time=when(draft.saved_at)))
        return StoryForm(instance=instance, initial=draft.as_initial()), None, True
    return StoryForm(instance=instance), draft, False


# Autosave ---------------------------------------------------------------


def _story_or_new(user: User, pk: int | None) -> tuple[Story | None, Story]:
    """The story whose draft this is (None for a new one), and the instance
    its form checks against. Only a story the person may edit now."""
    if pk is None:
        if not roles.is_editor(user):
            raise PermissionDenied(EDITORS_ONLY)
        return None, Story(author_id=user.pk)  # type: ignore[misc]
    story = get_story_for(user, pk, EDIT)
    return story, story


@desk_user_required
@require_POST
def draft_save(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    """Keep the posted form as the person's draft (JSON: when, or why not)."""
    story, instance = _story_or_new(request.user, pk)  # type: ignore[arg-type]
    form = StoryForm(request.POST, instance=instance)
    problems = refusals(form)
    if problems:
        return JsonResponse({"saved": False, "problems": problems}, status=400)
    draft = StoryDraft.keep(user=request.user, story=story, form=form)  # type: ignore[arg-type]
    if draft is None:
        return JsonResponse({"saved": False, "same": True, "problems": []})
    return JsonResponse({"saved": True, "at": when(draft.saved_at)})


@desk_user_required
@require_POST
def draft_discard(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    story, _ = _story_or_new(request.user, pk)  # type: ignore[arg-type]
    StoryDraft.discard(user=request.user, story=story)  # type: ignore[arg-type]
    messages.info(request, "Unsaved changes discarded.")
    if story is None:
        return redirect("desk:story_new")
    return redirect("desk:story_edit", pk=story.pk)
