"""The subscriber's side: landing page, archive, reading and downloading issues.

Every question "may this person see this issue?" is answered by
`Issue.objects.visible_to(user)`; every page here adds `.published()`, so an
unpublished issue has no public address, not even for the desk (the desk
previews drafts under /desk/issues/<id>/preview.pdf). An issue someone may
not see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from issues import downloads
from issues.editions import Edition, with_editions
from issues.models import Issue, IssueQuerySet, IssueStory
from issues.reach import Channel, Document, count, count_download
from issues.typography import smarten_html
from newsroom import roles
from newsroom.models import Newsletter, Story
from newsroom.paging import BoundedPaginator
from newsroom.sanitizing import sanitize_body
from newsroom.workflow import Status

if TYPE_CHECKING:
    from newsroom.workflow import User

ISSUES_PER_PAGE = 20


def with_headlines(issues: IssueQuerySet) -> IssueQuerySet:
    """Prefetch each issue's stories in their printed order (`issue.entries.all`)."""
    entries = IssueStory.objects.select_related("story__source").order_by("position", "pk")
    return with_editions(
        issues.select_related("newsletter").prefetch_related(Prefetch("entries", queryset=entries))
    )


def published_issue_for(user: User, newsletter: str, number: int) -> Issue:
    """The published issue `user` may read, or 404.

    The same answer as `visible_to(user).published()`, asked in the order
    that suits the reading and download paths, where readers are many and
    the desk few: a subscriber's grant first (one query), the desk's role
    (two permission queries) only when that finds nothing."""
    wanted = (
        Issue.objects.published()
        .select_related("newsletter")
        .filter(newsletter__slug=newsletter, number=number)
    )
    issue = wanted.subscribed_by(user).first()
    if issue is None and (user.is_staff or roles.is_desk_user(user)):
        issue = wanted.first()
    if issue is None:
        raise Http404("No such issue.")
    return issue


def published_edition_for(
    user: User, newsletter: str, number: int, edition: int | None = None
) -> Edition:
    """Edition `edition` (by default the latest) of the published issue
    `user` may read, with its issue and newsletter, or 404: the question of
    `published_issue_for` and the edition together, in one query for a
    subscriber (a download asks nothing else)."""
    wanted = published_issues(newsletter, number)
    found = editions_of(wanted.subscribed_by(user), edition).first()
    if found is None and (user.is_staff or roles.is_desk_user(user)):
        found = editions_of(wanted, edition).first()
    if found is None:
        raise Http404("No such issue or edition.")
    return found


def subscriber_editions(
    newsletter: str, number: int, reader_id: int, edition: int | None = None
) -> QuerySet[Edition]:
    """`published_edition_for`'s question for a subscriber known only by the
    id their session holds (issues/front_downloads.py asks it before
    Django): the edition if the account holds the grant, annotated with the
    account's password hash (`reader_password`) if it may sign in, None if
    not, to check the session against."""
    readers = get_user_model().objects.filter(pk=reader_id, is_active=True)
    granted = published_issues(newsletter, number).granted_to(reader_id)
    return editions_of(granted, edition).annotate(
        reader_password=Subquery(readers.values("password")[:1])
    )


def published_issues(newsletter: str, number: int) -> IssueQuerySet:
    return Issue.objects.published().filter(newsletter__slug=newsletter, number=number)


def editions_of(issues: IssueQuerySet, edition: int | None) -> QuerySet[Edition]:
    """The first of `issues`' editions, latest first, or with `edition` only
    that one, each with its issue and newsletter."""
    editions = Edition.objects.select_related("issue__newsletter").order_by("-number")
    if edition is not None:
        editions = editions.filter(number=edition)
    # The issue as a scalar subquery: PostgreSQL finds it first and then the
    # editions by their issue (with `issue__in` it hashed every edition).
    return editions.filter(issue=Subquery(issues.values("pk")[:1]))


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
    latest = {issue.pk: issue for issue in with_headlines(Issue.objects.filter(pk__in=latest_ids))}
    readable = set(
        Issue.objects.visible_to(request.user)
        .published()
        .filter(pk__in=latest_ids)
        .values_list("pk", flat=True)
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
    visible = Issue.objects.visible_to(request.user).published()
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
    issues = with_headlines(issues)
    page = BoundedPaginator(issues, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
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
    }
    return render(request, "issues/archive.html", context)


@login_required
@require_safe
def issue_detail(request: HttpRequest, newsletter: str, number: int) -> HttpResponse:
    """The issue in the site's frame: its stories, its frozen artifacts and
    the download button."""
    try:
        issue = published_issue_for(request.user, newsletter, number)
    except Http404:
        return refusal(request, newsletter, number)
    # Bodies are sanitised on save; sanitised again here, and given the
    # printed issue's quotes and dashes, as the renderer does.
    notes = issue.correction_notes()
    stories = [
        {
            "story": story,
            "body": mark_safe(smarten_html(sanitize_body(story.body))),
            "corrections": notes.get(story.pk, []),
        }
        for story in issue.ordered_stories()
    ]
    editions = list(issue.editions.select_related("published_by").order_by("-number"))  # type: ignore[attr-defined]
    context = {"issue": issue, "stories": stories, "editions": editions}
    return render(request, "issues/issue_detail.html", context)


def refusal(request: HttpRequest, newsletter: str, number: int) -> HttpResponse:
    """A reader without access to a published issue: still a 404 (as for
    any issue they may not read), but naming the newsletter and the way to
    ask for it. Nothing is said of issues that are not published."""
    issue = (
        Issue.objects.published()
        .select_related("newsletter")
        .filter(newsletter__slug=newsletter, number=number)
        .first()
    )
    if issue is None:
        raise Http404("No such issue.")
    context = {
        "newsletter": issue.newsletter,
        "may_subscribe": issue.newsletter.open_to_self_signup and roles.is_subscriber(request.user),
        "contact": settings.NEWSROOM_REPLY_TO or settings.DEFAULT_FROM_EMAIL,
    }
    return render(request, "issues/no_access.html", context, status=404)


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
def issue_html(
    request: HttpRequest, newsletter: str, number: int, edition: int | None = None
) -> HttpResponse:
    """The latest edition's HTML, or with `edition`, that edition's."""
    return serve_html(request, published_edition_for(request.user, newsletter, number, edition))


@login_required
@require_safe
def issue_pdf(
    request: HttpRequest, newsletter: str, number: int, edition: int | None = None
) -> HttpResponseBase:
    """The latest edition's PDF, or with `edition`, that (earlier) edition's.
    Under a WSGI server a subscriber's download is answered before Django
    (issues/front_downloads.py, the same check and answer); this view
    answers the rest (the desk, strangers), and the test client."""
    edition_ = published_edition_for(request.user, newsletter, number, edition)
    return serve_pdf(request, edition_, reader_id=request.user.pk)


@require_safe
def signed_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    """A download through a signed link: the signature is the permission
    check (made when the page that holds the link was rendered), so no
    session, user or subscription is read. An expired link sends the reader
    to the ordinary download, which asks who they are. Under a WSGI server a
    fresh link is answered before Django (issues/front_downloads.py); this
    view answers the rest, and the test client."""
    link = downloads.read_link(token)
    if link is None:
        raise Http404("No such download.")
    named, fresh = link
    # The edition and its issue in one query: the one the link names, or for
    # a link that names only the issue, its latest.
    editions = Edition.objects.filter(issue__status=Status.PUBLISHED).select_related(
        "issue__newsletter"
    )
    if isinstance(named, downloads.EditionPdf):
        edition = editions.filter(pk=named.edition_id, issue_id=named.issue_id).first()
    else:
        edition = editions.filter(issue_id=named).order_by("-number").first()
    if edition is None:
        raise Http404("No such download.")
    if not fresh:
        return redirect("issues:issue_pdf", edition.issue.newsletter.slug, edition.issue.number)
    # Counted for the reader the link was made for (the session is not read).
    reader_id = named.reader_id if isinstance(named, downloads.EditionPdf) else None
    response = serve_pdf(request, edition, reader_id=reader_id, channel=Channel.LINK)
    # The address is a credential: search engines must not list it.
    response["X-Robots-Tag"] = "noindex"
    return response
