"""Story pages: list and search, write, view, edit (with the conflict page)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from newsroom.desk.access import EDIT, desk_user_required, editor_required, get_story_for
from newsroom.desk.diffing import readable_text, word_diff
from newsroom.desk.drafts import form_with_unsaved_text, keep_text_when_signed_out, when
from newsroom.desk.threads import anchors, threads_for
from newsroom.forms import StoryFilterForm, StoryForm
from newsroom.models import Newsletter, Story, StoryTransition
from newsroom.models.drafts import StoryDraft
from newsroom.models.stories import REFUSED_EDIT_REASON, SENT_BACK, EditConflict, label_stories
from newsroom.paging import BoundedPaginator
from newsroom.review.workflow import SUBMIT, Status, WorkflowError

if TYPE_CHECKING:
    from newsroom.review.workflow import User

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
        "not_ready": _not_ready(story, request.user),
        "sent_back": _sent_back_comment(story),
        "transitions": story.transitions.select_related("by")[:5],
        "scheduled_issue": story.scheduled_issue() if story.status == Status.PUBLISHED else None,
        "issue_number": story.published_issue_number()
        if story.status == Status.PUBLISHED
        else None,
    }
    return render(request, "newsroom/story_detail.html", context)


def _not_ready(story: Story, user: User) -> str:
    """Why a draft its author (or an editor) would submit cannot go to review
    yet, in the submit check's words; "" when it can, or is not theirs to."""
    if story.status != Status.DRAFT or not story.role_allows(SUBMIT, user):
        return ""
    try:
        story.check_transition(SUBMIT, by=user)
    except WorkflowError as refusal:
        return str(refusal)
    return ""


def _sent_back_comment(story: Story) -> StoryTransition | None:
    """The reviewer's request or reason for withdrawing, while the draft it
    sent back is unresolved."""
    if story.status != Status.DRAFT or story.sent_back_at is None:
        return None
    last = story.transitions.select_related("by").first()
    return last if last and last.transition in SENT_BACK else None


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
        data: QueryDict = request.POST
        if request.POST.get("merge") == "1":
            # The conflict page's form: every field that differs is chosen first.
            data, missing = resolve_merge(request, story)
            if missing:
                return _choices_missing(request, story, missing)
        form = StoryForm(data, instance=story)
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


def _choices_missing(request: HttpRequest, story: Story, missing: list[str]) -> HttpResponse:
    """The conflict page again, as it was posted, asking for the choices."""
    posted = {field: request.POST.get(field, "") for field in [*MERGED_FIELDS, "new_source"]}
    mine = {field: request.POST.get(f"mine_{field}", "") for field in MERGED_FIELDS}
    version = request.POST.get("version", "")
    merge_form = StoryForm(instance=story, initial={**posted, "version": version})
    return render_conflict(request, story, mine, merge_form, missing=missing)


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


# Fields a merge chooses between, in the order the conflict page shows them.
MERGED_FIELDS = {
    "headline": "Headline",
    "body": "Body",
    "source": "Source",
    "newsletter": "Newsletter",
    "original_url": "Link to the original",
}
CHOICES = {"mine": "Mine", "theirs": "Theirs", "edit": "As edited below"}


def _as_posted(story: Story) -> dict[str, str]:
    """A story's merged fields as the story form posts them."""
    return {
        "headline": story.headline,
        "body": story.body,
        "source": story.source.name if story.source else "",
        "newsletter": str(story.newsletter_id or ""),
        "original_url": story.original_url or "",
    }


def _readable(field: str, value: str) -> str:
    """A posted value in words: the body's text without tags, a newsletter's name."""
    if field == "body":
        return readable_text(value)
    if field == "newsletter":
        found = Newsletter.objects.filter(pk=value).first() if value.isdigit() else None
        return str(found) if found else ""
    return value


def _differences(mine: dict[str, str], theirs: dict[str, str]) -> list[dict[str, object]]:
    """One entry per field that differs: its label, both values and the
    word-level change from theirs to mine, in plain words."""
    found: list[dict[str, object]] = []
    for field, label in MERGED_FIELDS.items():
        if mine.get(field, "") == theirs[field]:
            continue
        old, new = _readable(field, theirs[field]), _readable(field, mine.get(field, ""))
        found.append(
            {
                "field": field,
                "label": label,
                "mine": mine.get(field, ""),
                "mine_words": new,
                "theirs_words": old,
                "diff": word_diff(old, new),
            }
        )
    return found


def resolve_merge(request: HttpRequest, story: Story) -> tuple[QueryDict, list[str]]:
    """The posted merge with each differing field taken from the choice made
    for it (mine, theirs, or the text as edited), and the labels of the
    fields no choice was made for."""
    data = request.POST.copy()
    mine = {field: data.get(f"mine_{field}", "") for field in MERGED_FIELDS}
    theirs = _as_posted(story)
    missing = []
    for difference in _differences(mine, theirs):
        field = str(difference["field"])
        choice = data.get(f"merge_{field}")
        if choice == "mine":
            data[field] = mine[field]
        elif choice == "theirs":
            data[field] = theirs[field]
        elif choice != "edit":
            missing.append(str(difference["label"]).lower())
            continue
        if field == "source" and choice != "edit":
            data["new_source"] = ""
    return data, missing


def conflict_page(request: HttpRequest, form: forms.BaseForm, current: Story) -> HttpResponse:
    """Both texts side by side; the form holds the editor's text, ready to
    merge and save against the current version. `form` is the refused one,
    the desk's or the admin's (newsroom/admin.py): its cleaned story fields."""
    cleaned = form.cleaned_data
    source, newsletter = cleaned.get("source"), cleaned.get("newsletter")
    mine = {
        "headline": cleaned["headline"],
        "body": cleaned["body"],
        "source": source.name if source else "",
        "newsletter": str(newsletter.pk) if newsletter else "",
        "original_url": cleaned.get("original_url") or "",
    }
    merge_form = StoryForm(instance=current, initial={**mine, "version": current.version})
    return render_conflict(request, current, mine, merge_form)


def render_conflict(
    request: HttpRequest,
    current: Story,
    mine: dict[str, str],
    merge_form: StoryForm,
    *,
    missing: list[str] | None = None,
) -> HttpResponse:
    """The conflict page: for each field that differs, a choice the editor
    must make (mine, theirs, or as edited) before the merged text saves."""
    current = Story.objects.for_desk().get(pk=current.pk)
    differences = _differences(mine, _as_posted(current))
    chosen = request.POST if missing else {}
    for difference in differences:
        difference["chosen"] = chosen.get(f"merge_{difference['field']}", "")
    context = {
        "story": current,
        "form": merge_form,
        "mine": mine,
        "mine_fields": [(field, mine.get(field, "")) for field in MERGED_FIELDS],
        "differences": differences,
        "choices": CHOICES,
        "missing": missing,
        "last_change": current.history.exclude(
            history_change_reason__startswith=REFUSED_EDIT_REASON
        )
        .select_related("history_user")
        .first(),
    }
    status = 400 if missing else 409
    return render(request, "newsroom/story_conflict.html", context, status=status)
