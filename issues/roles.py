"""What the role groups may do in the publishing room.

The groups belong to the writing room (newsroom.roles); the publishing room
grants its own permissions to them, in its migration 0005 and here for a
database whose groups were flushed.
"""

from __future__ import annotations

from newsroom import roles
from newsroom.roles import EDITORS, REVIEWERS

ROLE_PERMISSIONS: dict[str, list[str]] = {
    EDITORS: ["issues.view_issue", "issues.add_issue", "issues.change_issue"],
    REVIEWERS: ["issues.view_issue"],
}


def sync_roles() -> None:
    """Both rooms' grants, as the migrations made them (idempotent)."""
    roles.sync_roles()
    roles.sync_roles(ROLE_PERMISSIONS)
