"""The three roles, as Django groups, and the questions views ask about them.

The groups are created by newsroom's data migrations, which also grant the
writing room's permissions (ROLE_PERMISSIONS); the publishing room grants its
own in its migrations. Superusers hold every permission, so they pass every
check here, and are listed by `editors()` and `reviewers()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from newsroom import memo

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


# What makes an editor and a reviewer: the one definition of each, asked of
# one user (is_editor, is_reviewer) or of all of them (editors, reviewers).
EDITOR_PERMISSION = "newsroom.add_story"
REVIEWER_PERMISSION = "newsroom.review_story"


def is_editor(user: User) -> bool:
    """Writes stories and assembles issues."""
    return user.is_active and user.has_perm(EDITOR_PERMISSION)


def is_reviewer(user: User) -> bool:
    """Approves stories and publishes issues."""
    return user.is_active and user.has_perm(REVIEWER_PERMISSION)


def is_desk_user(user: User) -> bool:
    """May use the editorial desk (and sees every issue, published or not)."""
    return is_editor(user) or is_reviewer(user)


def _holding(*permissions: str) -> QuerySet[Any]:
    """Active users with any of the permissions through a group, directly or
    as superusers: what ModelBackend.with_perm() answers. Asked here as the
    ids that hold it (membership rows of the groups that grant it, found by
    group, and direct grants, found by permission) rather than by with_perm's
    outer joins of every account to its groups and their permissions and a
    DISTINCT over them all (desk_users(): 420 ms at 5,000 subscribers; 1.5-2.7 s
    at 20,000 in issue 27).

    Two queries. The groups that grant the permission come first, by
    themselves: named in the second query, their members are found by the
    membership index and PostgreSQL knows they are few; found inside it
    (group_id = a subquery), it priced every group at the average of the
    Subscribers' thousands and the desk's handful, and read every account
    (3-10 ms at 20,000 subscribers, twice on a calendar page; now 0.2 ms).
    The ids are then one list (a UNION, not conditions OR-ed, which also read
    every account): the members, direct grants, and superusers (through
    auth_user_superuser_idx, migration 0022), read by primary key."""
    from django.contrib.auth.models import Group, Permission

    wanted = Q()
    for permission in permissions:
        app_label, codename = permission.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    granting = Permission.objects.filter(wanted)
    groups = list(
        Group.objects.filter(permissions__in=granting).values_list("pk", flat=True).distinct()
    )
    users = get_user_model()
    members = users.groups.through.objects.filter(group_id__in=groups)
    direct = users.user_permissions.through.objects.filter(permission__in=granting)
    superusers = users.objects.filter(is_superuser=True).values("pk")
    holding = members.values("user_id").union(direct.values("user_id"), superusers)
    return users.objects.filter(pk__in=holding, is_active=True).order_by("username")


def editors() -> QuerySet[Any]:
    """Every user `is_editor` holds for, by name."""
    return _holding(EDITOR_PERMISSION)


def reviewers() -> QuerySet[Any]:
    """Every user `is_reviewer` holds for, by name."""
    return _holding(REVIEWER_PERMISSION)


def desk_users() -> QuerySet[Any]:
    """Every user `is_desk_user` holds for, by name."""
    return _holding(EDITOR_PERMISSION, REVIEWER_PERMISSION)


def reviewer_ids() -> frozenset[int]:
    """The ids of `reviewers()`, asked once per request (newsroom.memo): the
    planning calendar needs them for the weeks it shows and again for what
    its reader owes."""
    return memo.once_per_request(
        "roles.reviewer_ids", lambda: frozenset(reviewers().values_list("pk", flat=True))
    )


def forget_holders(**kwargs: Any) -> None:
    """Signal receiver: an account, a group or a grant changed, so who
    holds a role may have; answers kept for this request are dropped."""
    memo.forget()


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
