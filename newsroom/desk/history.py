"""Revisions of a story: the list, a diff between any two, restoring one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from newsroom.desk.access import EDIT, desk_user_required, get_story_for
from newsroom.desk.diffing import has_changes, readable_text, word_diff
from newsroom.models import Newsletter, Source, Story
from newsroom.models.stories import REFUSED_EDIT_REASON, EditConflict
from newsroom.review.workflow import WorkflowError

TEXT_FIELDS = ["headline", "body", "source_id", "newsletter_id", "original_url"]
OTHER_FIELDS = [("source", "Source"), ("newsletter", "Newsletter"), ("original_url", "Link")]


def revisions(story: Story) -> list[Any]:
    records = list(
        story.history.select_related("history_user", "source").order_by(  # type: ignore[attr-defined]
            "-history_date", "-history_id"
        )
    )
    for older, record in zip([*records[1:], None], records, strict=True):
        record.refused = (record.history_change_reason or "").startswith(REFUSED_EDIT_REASON)
        # perform() saves the story too: such a record changes the status only.
        record.status_only = older is not None and _text(older) == _text(record)
        record.is_current_text = _text(record) == _text(story)
        record.changes_text = not record.refused and not record.status_only
    return records


def default_comparison(records: list[Any]) -> tuple[Any, Any]:
    """The two latest revisions that changed the text (newest first), so that
    "Compare" shows an edit and not a change of status."""
    texts = [record.history_id for record in records if record.changes_text]
    texts += [record.history_id for record in records if record.history_id not in texts]
    return (texts[1] if len(texts) > 1 else None), (texts[0] if texts else None)


def _text(revision: Any) -> tuple[Any, ...]:
    return tuple(getattr(revision, field) for field in TEXT_FIELDS)


@desk_user_required
def story_history(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    records = revisions(story)
    compare_from, compare_to = default_comparison(records)
    context = {
        "story": story,
        "records": records,
        "compare_from": compare_from,
        "compare_to": compare_to,
        "transitions": story.transitions.select_related("by"),
        "can_edit": story.can_edit(request.user),
    }
    return render(request, "newsroom/story_history.html", context)


def _record(story: Story, history_id: Any) -> Any:
    try:
        return story.history.select_related("history_user").get(history_id=int(history_id))  # type: ignore[attr-defined]
    except (TypeError, ValueError, story.history.model.DoesNotExist) as error:  # type: ignore[attr-defined]
        raise Http404("No such revision of this story.") from error


@desk_user_required
def story_diff(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_story_for(request.user, pk)
    old, new = _record(story, request.GET.get("a")), _record(story, request.GET.get("b"))
    if old.history_date > new.history_date:
        old, new = new, old
    fields = []
    for change in new.diff_against(old, included_fields=[f for f, _ in OTHER_FIELDS]).changes:
        label = dict(OTHER_FIELDS)[change.field]
        fields.append((label, _shown(change.field, change.old), _shown(change.field, change.new)))
    headline = word_diff(old.headline, new.headline)
    body = word_diff(readable_text(old.body), readable_text(new.body))
    context = {
        "story": story,
        "old": old,
        "new": new,
        "headline_diff": headline,
        "body_diff": body,
        "fields": fields,
        "unchanged": not (fields or has_changes(headline) or has_changes(body)),
    }
    return render(request, "newsroom/story_diff.html", context)


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field == "source":
        source = Source.objects.filter(pk=value).first()
        return str(source) if source else "(a source since merged or deleted)"
    if field == "newsletter":
        newsletter = Newsletter.objects.filter(pk=value).first()
        return str(newsletter) if newsletter else "(a newsletter since deleted)"
    return str(value)


@desk_user_required
@require_POST
def story_restore(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    """Copy an old revision's text into the story as a new version.

    Only where the story may be edited now (a draft for editors, a story in
    review for reviewers); a published story must be withdrawn first.
    """
    story = get_story_for(request.user, pk, EDIT)
    record = _record(story, history_id)
    story.headline, story.body = record.headline, record.body
    story.newsletter_id, story.original_url = record.newsletter_id, record.original_url
    if record.source_id is None or Source.objects.filter(pk=record.source_id).exists():
        story.source_id = record.source_id
    when = timezone.localtime(record.history_date).strftime("%d %b %Y %H:%M")
    try:
        expected = int(request.POST.get("version", ""))
        if expected != story.version:
            # Checked again under lock by save_edit; this early answer keeps a
            # stale restore out of the history as a "conflicting edit".
            raise EditConflict(story)
        story.save_edit(
            by=request.user,
            expected_version=expected,
            reason=f"Restored the revision of {when} (version {record.version})",
        )
    except ValueError:
        messages.error(request, "Reload the history and try again.")
    except EditConflict:
        messages.error(request, "The story changed while you looked at its history; look again.")
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Restored the revision of {when} as version {story.version}.")
        return redirect(story)
    return redirect("desk:story_history", pk=story.pk)
