"""Outside review of a whole issue: the publishing room's invitation.

Built on newsroom.invitations (the signed link, expiry, withdrawal and the
log of uses); only the reviewed object differs.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from newsroom.invitations import Invitation, InvitationUse
from newsroom.notices import site_link


class IssueInvitation(Invitation):
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="invitations")

    SALT = "issues.review-invitation.issue"
    SUBJECT = "issue"

    def desk_path(self) -> str:
        return reverse("issue_desk:issue_builder", args=[self.issue_id])

    def link(self) -> str:
        return site_link(reverse("issues:outside_issue", args=[self.issue_id, self.token()]))


class IssueInvitationUse(InvitationUse):
    invitation = models.ForeignKey(IssueInvitation, on_delete=models.CASCADE, related_name="uses")
