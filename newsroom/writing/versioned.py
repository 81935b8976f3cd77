"""Versioned text edited on the desk: a story, and a correction of one.

One set of rules for both (`VersionedText`): who may edit in which status,
the bounds of the body (newsroom.writing.sanitizing), and saving an edit as a new
version under a row lock, refused with EditConflict when the text changed
since the editor loaded it, so that edits never silently overwrite each
other. What differs is said in two small hooks: what an accepted edit
records (a story: who last edited it and a history record; a correction:
its list of editors) and what a refused one keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction

from newsroom import roles
from newsroom.review.workflow import Status, WorkflowError, WorkflowModel
from newsroom.writing.sanitizing import check_body_bounds

if TYPE_CHECKING:
    from newsroom.review.workflow import User


class EditConflict(Exception):
    """An edit made from an older version than the text's current one.

    Carries the current row so that the conflict page can show both texts.
    """

    def __init__(self, current: VersionedText) -> None:
        name = current._meta.verbose_name
        super().__init__(f"The {name} changed since you opened it (now version {current.version}).")
        self.current: Any = current


class VersionedText(WorkflowModel):
    """A headline and a body, edited on the desk one version after another.

    Subclasses have `version`, `body` and `updated_at`, and name the fields
    an edit may change in `EDIT_FIELDS`."""

    EDIT_FIELDS: ClassVar[list[str]]

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        version: int
        body: str

    def clean(self) -> None:
        super().clean()
        try:
            check_body_bounds(self.body or "")
        except ValidationError as error:
            raise ValidationError({"body": error.messages}) from None

    def can_edit(self, user: User) -> bool:
        """Editors write drafts; a reviewer may fix a text under review (a
        typo, a link) without sending it back. Published text is read-only."""
        if self.status == Status.DRAFT:
            return roles.is_editor(user)
        if self.status == Status.REVIEW:
            return roles.is_reviewer(user)
        return False

    def check_editable(self, user: User) -> None:
        """Raise WorkflowError unless `user` may edit this text now."""
        if not self.can_edit(user):
            raise WorkflowError(
                f"This {self._meta.verbose_name} is {self.status_label().lower()}:"
                " you cannot change it now."
            )

    def save_edit(self, *, by: User, expected_version: int, reason: str = "") -> None:
        """Save this in-memory text's editable fields as a new version.

        The row is locked and its version compared with the one the form was
        loaded from: an edit made from an older version is refused with
        EditConflict and nothing is overwritten (`edit_refused` may keep the
        refused text). A text that left the editable state raises
        WorkflowError."""
        with transaction.atomic():
            current = type(self)._default_manager.select_for_update().get(pk=self.pk)
            current.check_editable(by)
            conflict = current.version != expected_version
            if conflict:
                self.edit_refused(by=by, based_on=expected_version)
            else:
                self.version = current.version + 1
                fields: list[str] = [*self.EDIT_FIELDS, "version", "updated_at"]
                fields += self.edit_accepted(by=by, reason=reason)
                self.save(update_fields=fields)
                self.edit_saved(by=by)
        if conflict:
            raise EditConflict(current)

    def edit_accepted(self, *, by: User, reason: str) -> list[str]:
        """Record who edits before the save; return further fields it sets."""
        return []

    def edit_saved(self, *, by: User) -> None:
        """What follows a saved edit, in its transaction."""

    def edit_refused(self, *, by: User, based_on: int) -> None:
        """Keep what a refused edit held, if anything (in its transaction)."""
