"""Sources: the outlets stories cite. Editors keep the list tidy."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from newsroom.desk.access import desk_user_required, editor_required
from newsroom.forms import SourceForm, SourceMergeForm
from newsroom.models import Source, Story
from newsroom.paging import BoundedPaginator

PAGE_SIZE = 50


@editor_required
def source_list(request: HttpRequest) -> HttpResponse:
    page = BoundedPaginator(Source.objects.order_by(Lower("name")), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Only this page's sources have their stories counted, in the stories'
    # source index alone (an index-only scan): counting the sources through
    # a join grouped every story (88 ms at 25,000 stories), and COUNT(id)
    # read each counted story's row (3.6 ms for 50 sources at 100,000
    # stories; COUNT(*) 0.4 ms).
    sources = list(page.object_list)
    counts = dict(
        Story.objects.filter(source__in=sources)
        .order_by()
        .values_list("source")
        .annotate(count=Count("*"))
    )
    for source in sources:
        source.story_count = counts.get(source.pk, 0)  # type: ignore[attr-defined]
    page.object_list = sources
    return render(request, "newsroom/source_list.html", {"page": page, "query": ""})


@desk_user_required
@require_GET
def source_names(request: HttpRequest) -> JsonResponse:
    """Suggestions for a source field (story form, story filter, merge):
    at most SUGGESTED_SOURCES names, those starting with `q` first."""
    return JsonResponse({"sources": Source.objects.suggest(request.GET.get("q", ""))})


@editor_required
def source_new(request: HttpRequest) -> HttpResponse:
    return _source_form(request, None)


@editor_required
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _source_form(request, get_object_or_404(Source, pk=pk))


def _source_form(request: HttpRequest, source: Source | None) -> HttpResponse:
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"{'Saved' if source else 'Added'} the source “{saved}”.")
        return redirect("desk:source_list")
    return render(request, "newsroom/source_form.html", {"form": form, "source": source})


@editor_required
def source_merge(request: HttpRequest, pk: int) -> HttpResponse:
    duplicate = get_object_or_404(Source.objects.with_story_count(), pk=pk)
    form = SourceMergeForm(request.POST or None, duplicate=duplicate)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        moved = duplicate.merge_into(target, by=request.user)
        messages.success(request, f"Merged “{duplicate}” into “{target}”: {moved} stories moved.")
        return redirect("desk:source_list")
    return render(request, "newsroom/source_merge.html", {"form": form, "source": duplicate})
