"""The three roles, as Django groups, and the questions views ask about them.

The groups and their permissions are created by a data migration
(`newsroom/migrations/0003_roles.py`), which reads ROLE_PERMISSIONS.
Superusers hold every permission, so they pass every check here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser

    User = AuthUser | AnonymousUser

EDITORS = "Editors"
REVIEWERS = "Reviewers"
SUBSCRIBERS = "Subscribers"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    EDITORS: [
        "newsroom.view_story",
        "newsroom.add_story",
        "newsroom.change_story",
        "newsroom.view_source",
        "newsroom.add_source",
        "newsroom.change_source",
        "issues.view_newsletter",
        "issues.view_issue",
        "issues.add_issue",
        "issues.change_issue",
    ],
    REVIEWERS: [
        "newsroom.view_story",
        "newsroom.change_story",
        "newsroom.review_story",
        "newsroom.view_source",
        "issues.view_newsletter",
        "issues.view_issue",
        "issues.publish_issue",
    ],
    SUBSCRIBERS: [
        "issues.view_newsletter",
    ],
}


def is_editor(user: User) -> bool:
    """Writes stories and assembles issues."""
    return user.is_active and user.has_perm("newsroom.add_story")


def is_reviewer(user: User) -> bool:
    """Approves stories and publishes issues."""
    return user.is_active and user.has_perm("newsroom.review_story")


def is_desk_user(user: User) -> bool:
    """May use the editorial desk (and sees every issue, published or not)."""
    return is_editor(user) or is_reviewer(user)


def sync_roles(group_model: Any, permission_model: Any) -> None:
    """Create the role groups and grant their permissions (idempotent).

    Takes the models as arguments so that the data migration can pass its
    historical ones.
    """
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
