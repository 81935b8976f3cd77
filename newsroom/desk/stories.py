"""Story pages: list and search, write, view, edit (with the conflict page)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from newsroom.desk.access import EDIT, desk_user_required, editor_required, get_story_for
from newsroom.desk.diffing import word_diff
from newsroom.desk.drafts import form_with_unsaved_text, keep_text_when_signed_out, when
from newsroom.desk.threads import anchors, threads_for
from newsroom.drafts import StoryDraft
from newsroom.forms import StoryFilterForm, StoryForm
from newsroom.models import (
    REFUSED_EDIT_REASON,
    EditConflict,
    Story,
    StoryTransition,
    label_stories,
)
from newsroom.paging import BoundedPaginator
from newsroom.workflow import REQUEST_CHANGES, Status, WorkflowError

if TYPE_CHECKING:
    from newsroom.workflow import User

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
# A search counts at most this many matches ("100+ stories"). PostgreSQL's
# planner prices to_tsvector() far below its cost, so for a word in most
# stories it counts by reading stories in turn and computing each one's
# vector (0.13 ms a story): 1,001 matches cost 180 ms at 5,000 stories;
# 101 cost a tenth of that, whatever the size of the table.
SEARCH_CAP = 100
NOT_SAVED = (
    "The story could not be saved because of a problem on our side; nothing was stored. "
    "Your text is below: try saving again in a moment."
)


@desk_user_required
def story_list(request: HttpRequest) -> HttpResponse:
    filters = StoryFilterForm(request.GET or None)
    stories = filters.filter(Story.objects.for_desk()).order_by("-updated_at", "-pk")
    cap = SEARCH_CAP if request.GET.get("q", "").strip() else None
    page = BoundedPaginator(stories, PAGE_SIZE, cap=cap).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "stories": label_stories(page.object_list),
        "query": query.urlencode(),
    }
    return render(request, "newsroom/story_list.html", context)


@keep_text_when_signed_out
@editor_required
def story_new(request: HttpRequest) -> HttpResponse:
    new = Story(author_id=request.user.pk)  # type: ignore[misc]
    draft, unsaved = None, request.method == "POST"
    if request.method == "POST":
        form = StoryForm(request.POST, instance=new)
    else:
        form, draft, unsaved = form_with_unsaved_text(request, None, new)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            story = form.save_story(by=request.user)
        except DatabaseError:
            logger.exception("Could not save a new story by %s", request.user.pk)
            form.add_error(None, NOT_SAVED)
            status = 503
        else:
            StoryDraft.discard(user=request.user, story=None)  # type: ignore[arg-type]
            messages.success(request, "Draft saved.")
            return redirect(story)
    context = {"form": form, "story": None, **_unsaved_context(draft, unsaved)}
    return render(request, "newsroom/story_form.html", context, status=status)


def _unsaved_context(draft: StoryDraft | None, unsaved: bool) -> dict[str, object]:
    """What the form says of unsaved text: a draft on offer, or a form that
    already holds text not saved (the leave warning is armed from the start)."""
    return {"draft": draft, "draft_time": when(draft.saved_at) if draft else "", "unsaved": unsaved}


@desk_user_required
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    threads = threads_for(story, request.user)
    context = {
        "story": story,
        "threads": threads,
        "anchors": anchors(threads),
        "commentable": True,
        "can_edit": story.can_edit(request.user),
        "actions": [t.name for t in story.allowed_transitions(request.user)],
        "sent_back": _sent_back_comment(story),
        "transitions": story.transitions.select_related("by")[:5],
        "scheduled_issue": story.scheduled_issue() if story.status == Status.PUBLISHED else None,
        "issue_number": story.published_issue_number()
        if story.status == Status.PUBLISHED
        else None,
    }
    return render(request, "newsroom/story_detail.html", context)


def _sent_back_comment(story: Story) -> StoryTransition | None:
    """The reviewer's request, while the draft it sent back is unresolved."""
    if story.status != Status.DRAFT:
        return None
    last = story.transitions.select_related("by").first()
    return last if last and last.transition == REQUEST_CHANGES.name else None


@keep_text_when_signed_out
@desk_user_required
def story_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a story the user may edit now (see Story.can_edit).

    Opening the editor on any other story is a 403. A save that arrives after
    the story left an editable state (submitted or approved meanwhile) is
    refused with 409 and the form, text included, so that nothing is lost.
    """
    # A save that arrives after the story left an editable state is answered
    # below (409, the text kept), not with a 403 that would lose it.
    story = get_story_for(request.user, pk, EDIT if request.method != "POST" else None)
    draft, unsaved = None, request.method == "POST"
    if request.method == "POST":
        form = StoryForm(request.POST, instance=story)
    else:
        form, draft, unsaved = form_with_unsaved_text(request, story, story)
    status = 200
    if request.method == "POST":
        try:
            # Checked before the form may add a new source; save_edit checks
            # again under lock.
            story.check_editable(request.user)
            if form.is_valid():
                edited, conflict = _save_edit(form, by=request.user)
                if conflict is not None:
                    return conflict_page(request, form, conflict.current)
                StoryDraft.discard(user=request.user, story=edited)  # type: ignore[arg-type]
                messages.success(request, f"Saved (version {edited.version}).")
                return redirect(edited)
        except WorkflowError as error:
            form.add_error(None, f"{error} Nothing was saved; your text is below.")
            status = 409
        except DatabaseError:
            logger.exception("Could not save story %s", story.pk)
            form.add_error(None, NOT_SAVED)
            status = 503
    context = {
        "form": form,
        "story": story,
        "sent_back": _sent_back_comment(story),
        "threads": [t for t in threads_for(story, request.user) if t.is_open],
        **_unsaved_context(draft, unsaved),
    }
    return render(request, "newsroom/story_form.html", context, status=status)


def _save_edit(form: StoryForm, *, by: User) -> tuple[Story, EditConflict | None]:
    """Save the edit and any new source it names, all or nothing. A conflict
    is not a failure: the refused text it keeps in the history is committed."""
    with transaction.atomic():
        edited = form.apply()
        try:
            edited.save_edit(by=by, expected_version=form.loaded_version)
        except EditConflict as conflict:
            return edited, conflict
    return edited, None


def conflict_page(request: HttpRequest, form: forms.BaseForm, current: Story) -> HttpResponse:
    """Both texts side by side; the form holds the editor's text, ready to
    merge and save against the current version. `form` is the refused one,
    the desk's or the admin's (newsroom/admin.py): its cleaned story fields."""
    mine = form.cleaned_data
    source = mine.get("source")
    merge_form = StoryForm(
        instance=current,
        initial={
            "headline": mine["headline"],
            "body": mine["body"],
            "source": source.pk if source else None,
            "newsletter": mine["newsletter"].pk,
            "original_url": mine["original_url"],
            "version": current.version,
        },
    )
    current = Story.objects.for_desk().get(pk=current.pk)
    context = {
        "story": current,
        "form": merge_form,
        "mine": mine,
        "headline_diff": word_diff(current.headline, mine["headline"]),
        "body_diff": word_diff(current.body, mine["body"]),
        "last_change": current.history.exclude(
            history_change_reason__startswith=REFUSED_EDIT_REASON
        )
        .select_related("history_user")
        .first(),
    }
    return render(request, "newsroom/story_conflict.html", context, status=409)
