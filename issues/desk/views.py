"""The issue desk: list, create, build, preview, and move issues through review.

Editors create and build issues and submit them; reviewers publish them or
send them back. Every action is checked here on the server and again by the
model; builder actions that change the stories live in `issues.desk.builder`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from issues.desk.access import get_issue_for
from issues.desk.acting import back_to_builder
from issues.desk.forms import IssueForm
from issues.desk.publication import pending_publication, report_publication
from issues.importing.back_issues import back_issue_refusal, untouched_import
from issues.models import Issue, IssueInvitationUse, IssueStory
from issues.models.issues import suggest_deadlines, suggest_next_issue
from issues.publishing import delivery
from issues.publishing.delivery import readers_of
from issues.rendering import documents
from issues.rendering.page_count import page_count as cached_page_count
from issues.tasks import publish_issue_task
from newsroom import roles
from newsroom.desk.access import (
    desk_user_required,
    editor_required,
    id_from,
    perform_and_report,
)
from newsroom.forms import InviteForm
from newsroom.models import Newsletter
from newsroom.models.comments import Comment
from newsroom.models.invitations import Use
from newsroom.paging import bounded_page
from newsroom.review.workflow import (
    PUBLISH,
    REQUEST_CHANGES,
    SUBMIT,
    Status,
    WorkflowError,
)

if TYPE_CHECKING:
    pass


ISSUES_PER_PAGE = 25
AVAILABLE_PER_PAGE = 20


@desk_user_required
def issue_list(request: HttpRequest) -> HttpResponse:
    # A correlated count per row of the page, not a GROUP BY over every issue.
    story_count = (
        IssueStory.objects.filter(issue=OuterRef("pk"))
        .order_by()
        .values("issue")
        .annotate(n=Count("pk"))
        .values("n")
    )
    issues = (
        Issue.objects.select_related("newsletter")
        .annotate(story_count=Coalesce(Subquery(story_count), 0))
        .order_by("-period_start", "-number")
    )
    page = bounded_page(issues, ISSUES_PER_PAGE, request.GET.get("page"))
    return render(request, "issues/desk/issue_list.html", {"page": page, "issues": page})


@editor_required
def issue_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = IssueForm(request.POST, instance=Issue(created_by=request.user))  # type: ignore[misc]
        if form.is_valid():
            issue = form.save()
            messages.success(request, f"Created {issue}. Now add its stories.")
            return back_to_builder(issue)
    else:
        newsletters = Newsletter.objects.all()
        # Whatever the number of newsletters, the form starts filled in: for
        # the one asked for, else the first; the page re-suggests on a change.
        chosen = newsletters.filter(pk=asked_newsletter_id(request)).first()
        chosen = chosen or newsletters.first()
        initial: dict[str, object] = {}
        if chosen is not None:
            initial = {"newsletter": chosen, **suggest_next_issue(chosen)}
        form = IssueForm(initial=initial)
    return render(request, "issues/desk/issue_form.html", {"form": form})


def asked_newsletter_id(request: HttpRequest) -> int:
    """The newsletter id in the query string, or 0 (no newsletter has it)
    when it is missing or not an id: a hand-edited address gets the page
    without a choice, or a 404, not an error."""
    return id_from(request.GET.get("newsletter"))


@editor_required
def issue_suggestion(request: HttpRequest) -> JsonResponse:
    """The suggested number, period and deadlines of a new issue of one
    newsletter (the new-issue page asks when its newsletter changes); with
    `period_end`, the deadlines for that period (asked as it is typed).
    Times are the publisher's, as the form's fields take them."""
    newsletter = get_object_or_404(Newsletter, pk=asked_newsletter_id(request))
    typed = parse_date_or_none(request.GET.get("period_end", ""))
    suggestion = suggest_deadlines(newsletter, typed) if typed else suggest_next_issue(newsletter)
    return JsonResponse({key: form_value(value) for key, value in suggestion.items()})


def parse_date_or_none(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def form_value(value: object) -> str:
    """A value as the new-issue form's field shows it (a datetime-local
    input takes the publisher's local time, to the minute)."""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"
    return str(value)


@desk_user_required
def issue_builder(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    entries = issue.entries.select_related("story__source", "story__author").order_by(
        "position", "pk"
    )
    # Approved stories waiting for an issue, by search and by page: a newsletter
    # of ten years has thousands of them.
    search = request.GET.get("q", "").strip()
    available = issue.available_stories().select_related("source")
    if search:
        available = available.search(search)
    available = available.order_by("-published_at", "-pk")
    # Counted newest first, as the page reads them: the stories issues carry
    # are the old ones, and a count in any order (PostgreSQL's choice: the
    # newsletter's matches through the newsletter and search indexes, in
    # table order) met 6,800 of them for 1,000 waiting (60 ms at 100,000
    # stories, against 5-9 ms).
    page = bounded_page(available, AVAILABLE_PER_PAGE, request.GET.get("page"), count_in_order=True)
    context = {
        "issue": issue,
        "entries": entries,
        "available": page,
        "search": search,
        "page": page,
        "query": urlencode({"q": search}) if search else "",
        "can_build": roles.is_editor(request.user) and issue.status == Status.DRAFT,
        "allowed": {t.name for t in issue.allowed_transitions(request.user)},
        "not_approved": [] if issue.status == Status.PUBLISHED else issue.unapproved_stories(),
        # A scheduled issue's own box says why it cannot be published now.
        "publish_refusal": "" if issue.is_scheduled else publish_refusal(issue, request),
        "transitions": issue.transitions.select_related("by")[:20],
        "pending_publication": _pending_publication(request, issue),
        "delivery": delivery.progress(issue) if issue.status == Status.PUBLISHED else None,
        "editions": issue.editions.order_by("number")  # type: ignore[attr-defined]
        if issue.status == Status.PUBLISHED
        else (),
        "invite_form": InviteForm(),
        "invitations": issue.invitations.select_related("invited_by"),  # type: ignore[attr-defined]
        "outside_verdicts": IssueInvitationUse.objects.filter(
            invitation__issue=issue, action=Use.VERDICT
        ),
        # Open comments on the stories, outside reviewers' among them: the
        # reviewer sees them here before deciding.
        "open_comments": Comment.objects.open()
        .filter(story__in=issue.entries.values("story"))
        .select_related("story", "author")
        .order_by("story_id", "start", "pk"),
        "corrections": issue.corrections.select_related("story", "edition"),  # type: ignore[attr-defined]
        # An untouched import: a reviewer other than the importer may publish
        # it as the back issue it is (issues/importing/back_issues.py).
        "back_issue": untouched_import(issue),
        "back_issue_refusal": back_issue_refusal(issue, request.user),  # type: ignore[arg-type]
        "can_correct": roles.is_reviewer(request.user)
        and issue.status == Status.PUBLISHED
        and not issue.corrections.open().exists(),  # type: ignore[attr-defined]
    }
    return render(request, "issues/desk/issue_builder.html", context)


@never_cache
@desk_user_required
def page_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The number of pages the PDF would have now: from the cache, or
    rendered (bounded) and never stored. The builder loads it after itself."""
    issue = get_issue_for(request.user, pk)
    count = cached_page_count(issue)
    return render(
        request,
        "issues/desk/_page_count.html",
        {"issue": issue, "pages": count.pages, "error": count.error},
    )


@never_cache
@desk_user_required
def preview_html(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    try:
        return HttpResponse(documents.render_html(issue), content_type="text/html; charset=utf-8")
    except documents.RenderError as exc:
        messages.error(request, str(exc))
        return back_to_builder(issue)


@never_cache
@desk_user_required
def preview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    try:
        pdf = documents.render_pdf(issue)
    except documents.RenderError as exc:
        messages.error(request, str(exc))
        return back_to_builder(issue)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{issue.newsletter.slug}-{issue.number}-preview.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@editor_required
@require_POST
def issue_submit(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk, SUBMIT)
    perform_and_report(request, issue, SUBMIT, done="The issue is now waiting for a reviewer.")
    return back_to_builder(issue)


@desk_user_required
@require_POST
def issue_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk, REQUEST_CHANGES)
    perform_and_report(
        request,
        issue,
        REQUEST_CHANGES,
        comment=request.POST.get("comment", ""),
        done="The issue is back with the editors, with your comment.",
    )
    return back_to_builder(issue)


@desk_user_required
@require_http_methods(["GET", "POST"])
def issue_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page, saying what publishing will do. POST:
    publish now."""
    issue = get_issue_for(request.user, pk, PUBLISH)
    if request.method == "POST":
        return _publish_now(request, issue)
    context = {
        "issue": issue,
        "stories": issue.ordered_stories(),
        "readers": readers_of(issue.newsletter).count(),
        "refusal": publish_refusal(issue, request) or _not_in_review(issue),
        "pending_publication": _pending_publication(request, issue),
    }
    return render(request, "issues/desk/issue_publish.html", context)


def publish_refusal(issue: Issue, request: HttpRequest) -> str:
    """Why a reviewer cannot publish this issue in review now ("" if they can,
    or if the question does not arise)."""
    if issue.status != Status.REVIEW or not roles.is_reviewer(request.user):
        return ""
    try:
        issue.check_transition(PUBLISH, by=request.user)
    except WorkflowError as exc:
        return str(exc)
    return ""


def _not_in_review(issue: Issue) -> str:
    if issue.status == Status.REVIEW:
        return ""
    status = issue.get_status_display().lower()
    return f"Only an issue in review can be published; this one is {status}."


def _publish_now(request: HttpRequest, issue: Issue) -> HttpResponse:
    """Queue the publication. With the immediate backend it has already run
    when `enqueue` returns, so its outcome is shown at once; with a worker,
    the builder page shows it when the reviewer comes back."""
    result = publish_issue_task.enqueue(issue.pk, request.user.pk)  # type: ignore[arg-type]
    if result.is_finished:
        report_publication(request, result)
    else:
        request.session[_session_key(issue)] = result.id
        messages.info(request, "Publishing in the background: this page shows when it is done.")
    return back_to_builder(issue)


def _session_key(issue: Issue) -> str:
    return f"publish-task-{issue.pk}"


def _pending_publication(request: HttpRequest, issue: Issue) -> bool:
    return pending_publication(request, publish_issue_task, _session_key(issue))
