"""The writing room's models, one module per concern."""

from newsroom.models.comments import Comment
from newsroom.models.drafts import StoryDraft
from newsroom.models.invitations import (
    Invitation,
    InvitationUse,
    StoryInvitation,
    StoryInvitationUse,
)
from newsroom.models.notices import Notice
from newsroom.models.planning import Assignment, DeskNotice, DeskSettings
from newsroom.models.private_addresses import PrivateAddressKey
from newsroom.models.stories import Newsletter, Source, Story, StoryTransition

__all__ = [
    "Assignment",
    "Comment",
    "DeskNotice",
    "DeskSettings",
    "Invitation",
    "InvitationUse",
    "Newsletter",
    "Notice",
    "PrivateAddressKey",
    "Source",
    "Story",
    "StoryDraft",
    "StoryInvitation",
    "StoryInvitationUse",
    "StoryTransition",
]
