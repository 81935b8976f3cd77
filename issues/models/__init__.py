"""The publishing room's models, one module per concern."""

from issues.models.audience import AudienceTally
from issues.models.editions import Correction, CorrectionNotice, CorrectionTransition, Edition
from issues.models.invitations import IssueInvitation, IssueInvitationUse
from issues.models.issues import Delivery, Issue, IssueStory, IssueTransition, Subscription
from issues.models.licences import Licence, Organisation, Seat, SeatChange
from issues.models.mail_optout import MailOptOut, MailPreferenceChange
from issues.models.originals import OriginalPdf
from issues.models.page_count import PageCount
from issues.models.reach import DownloadCount
from issues.models.subscribers import ReaderProfile, SubscriberImport
from issues.models.workers import TaskWorker

__all__ = [
    "AudienceTally",
    "Correction",
    "CorrectionNotice",
    "CorrectionTransition",
    "Delivery",
    "DownloadCount",
    "Edition",
    "Issue",
    "IssueInvitation",
    "IssueInvitationUse",
    "IssueStory",
    "IssueTransition",
    "Licence",
    "MailOptOut",
    "MailPreferenceChange",
    "Organisation",
    "OriginalPdf",
    "PageCount",
    "ReaderProfile",
    "Seat",
    "SeatChange",
    "SubscriberImport",
    "Subscription",
    "TaskWorker",
]
