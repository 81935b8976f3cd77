"""Which issue a desk user may look at or act on: the issue desk's access
helper (the decorators are newsroom.desk.access).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from issues.models import Issue
from newsroom.review.workflow import (
    SUBMIT,
    Transition,
)

if TYPE_CHECKING:
    from newsroom.review.workflow import User


def get_issue_for(user: User, pk: int, action: Transition | None = None) -> Issue:
    """The issue `pk`, for `user` to look at or to take `action` on.

    Every desk user sees every issue; a missing one is a 404. A role that may
    never take the transition `action` gets 403 (`Issue.role_allows`: only
    editors submit, only reviewers publish issues or send them back). What is
    refused only for now is the workflow's to say.
    """
    issue = get_object_or_404(Issue.objects.select_related("newsletter", "created_by"), pk=pk)
    if action is not None and not issue.role_allows(action, user):
        raise PermissionDenied(
            "Only editors submit issues for review."
            if action is SUBMIT
            else "Only reviewers publish issues or send them back."
        )
    return issue
