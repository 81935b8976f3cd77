"""A reviewer publishes an imported issue as the back issue it is (see
issues/importing/back_issues.py for what that does and who may)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from issues.desk.access import get_issue_for
from issues.importing.back_issues import publish_back_issue
from issues.publishing.publish import PublishError
from newsroom.desk.access import desk_user_required
from newsroom.review.workflow import WorkflowError


@desk_user_required
@require_POST
def publish_as_back_issue(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_issue_for(request.user, pk)
    user: User = request.user  # type: ignore[assignment]
    try:
        publish_back_issue(issue=issue, by=user)
    except (WorkflowError, PublishError) as exc:
        messages.error(request, f"Not published: {exc}")
    else:
        messages.success(
            request,
            f"Published {issue.newsletter} no. {issue.number} as a back issue, dated"
            f" {issue.published_at:%-d %B %Y}; subscribers find it in the archive. Nobody"
            " was notified.",
        )
    return redirect("issue_desk:issue_builder", pk=issue.pk)
