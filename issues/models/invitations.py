"""Outside review of a whole issue: the publishing room's invitation.

Built on newsroom.review.invitations (the signed link, expiry, withdrawal and the
log of uses); only the reviewed object differs.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.urls import reverse

from newsroom.models.invitations import Invitation, InvitationUse
from newsroom.site import site_url


class IssueInvitation(Invitation):
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="invitations")

    SALT = "issues.review-invitation.issue"
    SUBJECT = "issue"

    def desk_path(self) -> str:
        return reverse("issue_desk:issue_builder", args=[self.issue_id])

    def closes_at(self) -> datetime.datetime:
        """A link never outlives the embargo it reveals: it closes at the
        issue's publication (or its scheduled time), if that comes first."""
        ends = [self.expires_at]
        if self.issue.published_at is not None:
            ends.append(self.issue.published_at)
        elif (scheduled := self.embargo_until()) is not None:
            ends.append(scheduled)
        return min(ends)

    def embargo_until(self) -> datetime.datetime | None:
        return self.issue.scheduled_for if self.issue.is_scheduled else None

    def link(self) -> str:
        return site_url(reverse("issues:outside_issue", args=[self.issue_id, self.token()]))


class IssueInvitationUse(InvitationUse):
    invitation = models.ForeignKey(IssueInvitation, on_delete=models.CASCADE, related_name="uses")
