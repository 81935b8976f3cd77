"""The three roles, as Django groups, and the questions views ask about them.

The groups are created by newsroom's data migrations, which also grant the
writing room's permissions (ROLE_PERMISSIONS); the publishing room grants its
own (`issues.roles`).
Superusers hold every permission, so they pass every check here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        "newsroom.view_newsletter",
    ],
    REVIEWERS: [
        "newsroom.view_story",
        "newsroom.change_story",
        "newsroom.review_story",
        "newsroom.view_source",
        "newsroom.view_newsletter",
    ],
    SUBSCRIBERS: [
        "newsroom.view_newsletter",
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


def sync_roles(grants: dict[str, list[str]] | None = None) -> None:
    """Create the role groups and grant `grants` (by default this app's
    ROLE_PERMISSIONS); idempotent. For a database whose groups were flushed
    (transactional tests); the migrations made them in the first place."""
    from django.contrib.auth.models import Group, Permission

    for name, codenames in (grants or ROLE_PERMISSIONS).items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def is_subscriber(user: User) -> bool:
    """May manage their own subscriptions."""
    return (
        user.is_active and user.groups.filter(name=SUBSCRIBERS).exists()  # type: ignore[union-attr]
    )
