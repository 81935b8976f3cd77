"""The subscriber's side: landing page, archive, reading and downloading issues.

Every question "may this person read this issue?" is answered by the reader
policy (issues/readers/access.py), which knows published issues only, so an
unpublished issue has no public address, not even for the desk (the desk
previews drafts under /desk/issues/<id>/preview.pdf). An issue someone may
not read answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from issues.models import Issue, IssueStory
from issues.models.editions import Edition, with_editions
from issues.models.originals import OriginalPdf
from issues.models.reach import Channel, Document
from issues.readers import access, downloads
from issues.readers.lapsing import explain, lapsed_subscriptions
from issues.readers.reach import count, count_download
from issues.rendering.typesetting import keep_cjk_names_whole, keep_cjk_names_whole_in_text
from issues.rendering.typography import smarten, smarten_html
from newsroom import roles
from newsroom.models import Newsletter, Story
from newsroom.paging import BoundedPaginator
from newsroom.review.workflow import Status
from newsroom.writing.sanitizing import sanitize_body

ISSUES_PER_PAGE = 20
ReaderView = Callable[..., HttpResponseBase]


def refusal_page(view: ReaderView) -> ReaderView:
    """A reader refused an issue that is published (the page, its PDF or
    HTML, a given edition, the original): still a 404, as for any issue they
    may not read, but naming the newsletter and the way to ask for it, on
    every one of those addresses (a PDF link in a forwarded mail included).
    Nothing is said of issues that are not published or do not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except access.NotReadable as refused:
            if refused.issue is None:
                raise
            newsletter = refused.issue.newsletter
            context = {
                "newsletter": newsletter,
                "may_subscribe": newsletter.open_to_self_signup
                and roles.is_subscriber(request.user),
                "contact": settings.NEWSROOM_REPLY_TO or settings.DEFAULT_FROM_EMAIL,
            }
            return render(request, "issues/no_access.html", context, status=404)

    return wrapped


class Headline(NamedTuple):
    story_id: int
    text: str  # as printed: typographic quotes and dashes


def with_headlines(issues: Iterable[Issue]) -> list[Issue]:
    """The issues, each with `headlines`: its stories' headlines in printed
    order, all read in one query of three columns. A list of issues shows
    nothing else of its stories; a page of 20 issues holds 160, which as
    model instances (prefetched entries and stories) cost more than the
    rest of the archive page's queries (docs/benchmarks-pages.md)."""
    issues = list(issues)
    found: dict[int, list[Headline]] = defaultdict(list)
    rows = (
        IssueStory.objects.filter(issue__in=[issue.pk for issue in issues])
        .order_by("issue_id", "position", "pk")
        .values_list("issue_id", "story_id", "story__headline")
    )
    for issue_id, story_id, headline in rows:
        found[issue_id].append(Headline(story_id, smarten(headline)))
    for issue in issues:
        issue.headlines = found[issue.pk]  # type: ignore[attr-defined]
    return issues


def serve_pdf(
    request: HttpRequest,
    edition: Edition,
    *,
    reader_id: int | None,
    channel: Channel = Channel.SITE,
) -> HttpResponseBase:
    """Stream the stored PDF of `edition` to the reader `reader_id` (None if
    unknown); never render. Call only after the permission check, so that a
    304 cannot tell a stranger that an issue exists. A full GET is counted."""
    response, sent = downloads.pdf_response(
        request,
        edition.pdf_file,
        sha256=edition.pdf_sha256,
        published=int(edition.published_at.timestamp()),
        filename=downloads.pdf_filename(edition, edition.issue),
        size=edition.pdf_size,
    )
    if sent and request.method == "GET":
        count(edition.pk, user_id=reader_id, document=Document.PDF, channel=channel)
    return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What the publisher offers. Strangers see the latest headlines only;
    readers of an issue also get its links."""
    # Each newsletter's latest issue in one query, whatever their number.
    newest = (
        Issue.objects.published()
        .filter(newsletter=OuterRef("pk"))
        .order_by("-period_start", "-number")
    )
    newsletters = list(Newsletter.objects.annotate(latest_id=Subquery(newest.values("pk")[:1])))
    latest_ids = [newsletter.latest_id for newsletter in newsletters if newsletter.latest_id]  # type: ignore[attr-defined]
    latest = {
        issue.pk: issue
        for issue in with_headlines(
            with_editions(Issue.objects.filter(pk__in=latest_ids).select_related("newsletter"))
        )
    }
    readable = set(
        access.readable_issues(request.user).filter(pk__in=latest_ids).values_list("pk", flat=True)
    )
    offers = [
        {
            "newsletter": newsletter,
            "latest": latest.get(newsletter.latest_id),  # type: ignore[attr-defined]
            "readable": newsletter.latest_id in readable,  # type: ignore[attr-defined]
        }
        for newsletter in newsletters
    ]
    return render(request, "issues/home.html", {"offers": offers})


@login_required
@require_safe
def archive(request: HttpRequest) -> HttpResponse:
    """Published issues the reader may see, grouped by newsletter, newest first."""
    visible = access.readable_issues(request.user)
    newsletters = list(
        Newsletter.objects.filter(pk__in=visible.values("newsletter")).order_by("title")
    )
    chosen = request.GET.get("newsletter", "")
    shown = [n for n in newsletters if n.slug == chosen] if chosen else newsletters
    if len(shown) == 1:
        # One newsletter (chosen, or the reader's only one): filtered by its
        # id and ordered as issue_published_idx is, so that the index serves
        # both and a page reads 20 index entries, not every issue to sort.
        issues = visible.filter(newsletter=shown[0]).order_by("-period_start", "-number")
    else:
        issues = visible.filter(newsletter__in=shown).order_by(
            "newsletter__title", "-period_start", "-number"
        )
    query = request.GET.get("q", "").strip()
    stories = Story.objects.none()
    if query:
        stories = Story.objects.published().search(query)
        issues = issues.filter(pk__in=IssueStory.objects.filter(story__in=stories).values("issue"))
    issues = with_editions(issues.select_related("newsletter"))
    page = BoundedPaginator(issues, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_headlines(page.object_list)
    # The matching headlines on this page, to mark them.
    matching = set(
        stories.filter(issue_entries__issue__in=[issue.pk for issue in page]).values_list(
            "pk", flat=True
        )
    )
    page_query = request.GET.copy()
    page_query.pop("page", None)
    context = {
        "page": page,
        "page_query": page_query.urlencode(),
        "newsletters": newsletters,
        "chosen": chosen,
        "query": query,
        "matching": matching,
        "lapsed": [explain(subscription) for subscription in lapsed_subscriptions(request.user)],
    }
    return render(request, "issues/archive.html", context)


@login_required
@require_safe
@refusal_page
def issue_detail(request: HttpRequest, newsletter: str, number: int) -> HttpResponse:
    """The issue in the site's frame: its stories, its frozen artifacts and
    the download button."""
    issue = access.readable_issue(request.user, newsletter, number)
    # Bodies are sanitised on save; sanitised again here, as the renderer
    # does, and set as in the PDF (typographic quotes and dashes, the
    # language of Chinese runs marked).
    notes = issue.correction_notes()
    stories = [
        {
            "story": story,
            "headline": keep_cjk_names_whole_in_text(smarten(story.headline)),
            "body": keep_cjk_names_whole(smarten_html(sanitize_body(story.body))),
            "corrections": notes.get(story.pk, []),
        }
        for story in issue.ordered_stories()
    ]
    editions = list(issue.editions.select_related("published_by").order_by("-number"))  # type: ignore[attr-defined]
    context = {
        "issue": issue,
        "stories": stories,
        "editions": editions,
        # An imported back issue's own PDF, if the editor kept it.
        "original": OriginalPdf.objects.filter(issue=issue).first(),
    }
    return render(request, "issues/issue_detail.html", context)


def serve_html(request: HttpRequest, edition: Edition) -> HttpResponse:
    """The stored HTML document, exactly as published (never re-rendered)."""
    with edition.html_file.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type="text/html; charset=utf-8")
    if request.method == "GET":
        count_download(edition, user=request.user, document=Document.HTML, channel=Channel.SITE)
    response["ETag"] = f'"{edition.html_sha256}"'
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_safe
@refusal_page
def issue_html(
    request: HttpRequest, newsletter: str, number: int, edition: int | None = None
) -> HttpResponse:
    """The latest edition's HTML, or with `edition`, that edition's."""
    return serve_html(request, access.readable_edition(request.user, newsletter, number, edition))


@login_required
@require_safe
@refusal_page
def issue_pdf(
    request: HttpRequest, newsletter: str, number: int, edition: int | None = None
) -> HttpResponseBase:
    """The latest edition's PDF, or with `edition`, that (earlier) edition's."""
    edition_ = access.readable_edition(request.user, newsletter, number, edition)
    return serve_pdf(request, edition_, reader_id=request.user.pk)


@login_required
@require_safe
@refusal_page
def original_pdf(request: HttpRequest, newsletter: str, number: int) -> HttpResponseBase:
    """The publisher's own PDF of an imported back issue, for whoever may
    read the issue (the same question as its PDF)."""
    edition = access.readable_edition(request.user, newsletter, number)
    original = OriginalPdf.objects.filter(issue_id=edition.issue_id).first()  # type: ignore[attr-defined]
    if original is None:
        raise Http404("This issue has no original PDF.")
    return downloads.file_response(
        original.file, filename=original.name, content_type="application/pdf", size=original.size
    )


@require_safe
def signed_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    """A download through a signed link: made when a page showed the issue
    to its reader, it stands in for the session for one click
    (NEWSROOM_SIGNED_LINK_SECONDS); with NEWSROOM_SIGNED_LINK_CHECKS_GRANT it
    also asks whether that reader still may read the issue. An expired link
    sends the reader to the ordinary download, which asks who they are."""
    link = downloads.read_link(token)
    if link is None:
        raise Http404("No such download.")
    edition = (
        Edition.objects.filter(pk=link.edition_id, issue__status=Status.PUBLISHED)
        .select_related("issue__newsletter")
        .first()
    )
    if edition is None:
        raise Http404("No such download.")
    if not link.fresh:
        return redirect("issues:issue_pdf", edition.issue.newsletter.slug, edition.issue.number)
    if settings.NEWSROOM_SIGNED_LINK_CHECKS_GRANT and not access.still_reads(
        link.reader_id, edition.issue_id
    ):
        raise Http404("No such download.")
    # Counted for the reader the link was made for (the session is not read).
    response = serve_pdf(request, edition, reader_id=link.reader_id, channel=Channel.LINK)
    # The address is a credential: search engines must not list it.
    response["X-Robots-Tag"] = "noindex"
    return response
