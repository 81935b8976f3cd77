from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from issues.models import (
    Delivery,
    Issue,
    IssueStory,
    IssueTransition,
    Subscription,
)
from issues.models.editions import Correction, CorrectionTransition, Edition, FrozenEdition
from issues.models.invitations import IssueInvitation, IssueInvitationUse
from issues.models.licences import Licence, Organisation, Seat, SeatChange
from issues.models.mail_optout import MailOptOut, MailPreferenceChange
from issues.models.originals import OriginalPdf
from issues.models.subscribers import ReaderProfile, SubscriberImport
from issues.publishing.publish import PublishError, publish_issue
from issues.readers.licences import sync_licence
from newsroom import admin as newsroom_admin
from newsroom import roles
from newsroom.admin import (
    ReadOnlyAdmin,
    ReadOnlyAuditAdmin,
    ReadOnlyAuditInline,
    ReadOnlyInline,
    run_transitions,
    workflow_action,
)
from newsroom.models import Newsletter
from newsroom.review.workflow import SUBMIT, Status, WorkflowError

# The writing room registers the newsletter; the publishing room adds what it
# knows of it (issues, subscribers).
admin.site.unregister(Newsletter)


@admin.register(Newsletter)
class NewsletterAdmin(newsroom_admin.NewsletterAdmin):
    list_display = [*newsroom_admin.NewsletterAdmin.list_display, "issue_count", "subscriber_count"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Newsletter]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                issue_count=Count("issues", distinct=True),
                subscriber_count=Count("subscriptions", distinct=True),
            )
        )

    @admin.display(ordering="issue_count", description="issues")
    def issue_count(self, newsletter: Newsletter) -> int:
        return newsletter.issue_count  # type: ignore[attr-defined]

    @admin.display(ordering="subscriber_count", description="subscribers")
    def subscriber_count(self, newsletter: Newsletter) -> int:
        return newsletter.subscriber_count  # type: ignore[attr-defined]


class IssueStoryInline(admin.TabularInline):
    model = IssueStory
    fields = ["position", "story"]
    autocomplete_fields = ["story"]
    ordering = ["position", "pk"]
    extra = 1

    # As in the builder: the stories change only while the issue is a draft.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)


def _is_draft(issue: Issue | None) -> bool:
    return issue is None or issue.status == Status.DRAFT


class IssueTransitionInline(ReadOnlyAuditInline):
    model = IssueTransition


EDITION_FIELDS = [
    "issue",
    "number",
    "published_at",
    "published_by",
    "correction_note",
    "stored_artifacts",
    "pdf_sha256",
    "html_sha256",
    "pdf_size",
    "page_count",
    "renderer_version",
]


def stored_artifacts(edition: Edition) -> str:
    # Artifacts have no public URL; the download view checks access.
    issue = edition.issue
    return format_html(
        '<a href="{}">{}</a> · {}',
        reverse("issues:edition_pdf", args=[issue.newsletter.slug, issue.number, edition.number]),
        edition.pdf_file.name,
        edition.html_file.name,
    )


class EditionInline(ReadOnlyInline):
    """Editions are stored by publishing and by corrections, never here."""

    model = Edition
    fields = readonly_fields = tuple(f for f in EDITION_FIELDS if f != "issue")
    ordering = ["number"]

    @admin.display(description="stored artifacts")
    def stored_artifacts(self, edition: Edition) -> str:
        return stored_artifacts(edition)


@admin.register(Edition)
class EditionAdmin(ReadOnlyAdmin):
    """Read only: an edition, once stored, is what subscribers hold."""

    list_display = ["issue", "number", "published_at", "published_by", "pdf_sha256"]
    list_select_related = ["issue__newsletter", "published_by"]
    list_filter = ["issue__newsletter"]
    fields = tuple(EDITION_FIELDS)
    readonly_fields = tuple(EDITION_FIELDS)

    @admin.display(description="stored artifacts")
    def stored_artifacts(self, edition: Edition) -> str:
        return stored_artifacts(edition)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
        raise FrozenEdition("A stored edition cannot be deleted.")


@admin.action(description="Publish selected issues (renders and stores HTML and PDF)")
def publish(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Issue]) -> None:
    def apply(issue: Any) -> None:
        try:
            publish_issue(issue=issue, by=request.user, note="admin action")
        except PublishError as failure:
            # Shown like a refusal: the issue stays in review, nothing stored.
            raise WorkflowError(str(failure)) from failure

    run_transitions(modeladmin, request, queryset, "Publish", apply)


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["__str__", "newsletter", "number", "status", "published_at"]
    list_filter = ["status", "newsletter"]
    list_select_related = ["newsletter"]
    search_fields = ["newsletter__title", "number", "stories__headline"]
    date_hierarchy = "period_start"
    readonly_fields = [
        "status",
        "published_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [IssueStoryInline, EditionInline, IssueTransitionInline]
    actions = [workflow_action(SUBMIT, "Submit selected issues for review"), publish]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A published issue keeps its place (Issue.save refuses it as well).
        if obj is not None and obj.status == Status.PUBLISHED:
            return ["newsletter", "number", "period_start", "period_end", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Issue, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        changes = obj.placement_changes() if change else []
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if changes:
                obj.log_change(by=request.user, comment="; ".join(changes), note="admin edit")  # type: ignore[arg-type]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is IssueStory and change and formset.has_changed():
            issue = form.instance
            added = [str(entry.story) for entry in formset.new_objects]
            removed = [str(entry.story) for entry in formset.deleted_objects]
            moved = [str(entry.story) for entry, _ in formset.changed_objects]
            words = [
                f"{label}: " + ", ".join(f"“{s}”" for s in stories)
                for label, stories in (("added", added), ("removed", removed), ("changed", moved))
                if stories
            ]
            issue.log_change(by=request.user, comment="; ".join(words), note="admin edit")


@admin.register(IssueTransition)
class IssueTransitionAdmin(ReadOnlyAuditAdmin):
    list_display = ["at", "issue", "transition", "from_status", "to_status", "by", "note"]
    list_select_related = ["issue__newsletter", "by"]
    search_fields = ["issue__newsletter__title", "comment"]


@admin.register(OriginalPdf)
class OriginalPdfAdmin(ReadOnlyAdmin):
    list_display = ["issue", "name", "size", "kept_by", "kept_at"]
    list_select_related = ["issue__newsletter", "kept_by"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "newsletter", "created_at", "ends_on"]
    list_filter = ["newsletter", ("ends_on", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "newsletter"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


class SeatFormSet(forms.BaseInlineFormSet):
    """No more seats than the licence has, and only the organisation's own
    addresses when it names a domain."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("user")
        ]
        seats = self.instance.seats or 0
        if len(kept) > seats:
            raise forms.ValidationError(
                f"This licence has {seats} seats; {len(kept)} readers were given one. "
                "Free a seat or raise the number of seats."
            )
        organisation = getattr(self.instance, "organisation", None)
        for form in kept:
            user = form.cleaned_data["user"]
            if organisation is not None and not organisation.admits(user.email):
                raise forms.ValidationError(f"{user.email} is not at {organisation.email_domain}.")


class SeatInline(admin.TabularInline):
    model = Seat
    formset = SeatFormSet
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0
    fields = ["seats", "starts_on", "ends_on"]
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "email_domain", "join_by_domain"]
    list_filter = ["join_by_domain"]
    search_fields = ["name", "email_domain"]
    filter_horizontal = ["contacts"]
    inlines = [LicenceInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for licence in form.instance.licences.all():
            sync_licence(licence)


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    """Seats are given and freed here; the readers' subscriptions follow
    (issues.readers.licences.sync_licence) when the licence is saved."""

    list_display = ["organisation", "seats", "starts_on", "ends_on"]
    list_select_related = ["organisation"]
    list_filter = ["newsletters"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["newsletters"]
    inlines = [SeatInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            sync_licence(form.instance)
            for seat in form.instance.seats_taken.select_related("user"):
                seat.user.groups.add(Group.objects.get(name=roles.SUBSCRIBERS))


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "organisation"]
    autocomplete_fields = ["user"]


@admin.register(SubscriberImport)
class SubscriberImportAdmin(admin.ModelAdmin):
    """Read only: the lists uploaded on the desk's import page."""

    list_display = ["filename", "uploaded_by", "uploaded_at", "applied_at"]
    list_select_related = ["uploaded_by"]
    readonly_fields = ["filename", "uploaded_by", "uploaded_at", "applied_at", "text"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["issue", "user", "created_at", "sent_at", "error"]
    list_filter = ["issue__newsletter", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["issue__newsletter", "user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["issue", "user", "created_at", "sent_at", "error"]


@admin.register(MailOptOut)
class MailOptOutAdmin(ReadOnlyAdmin):
    """Who asked for no mail of a newsletter; the reader changes it (the
    mail's link, the account page), so the admin only reads it."""

    list_display = ["user", "newsletter", "at", "how"]
    list_filter = ["newsletter", "how"]
    list_select_related = ["user", "newsletter"]
    search_fields = ["user__username", "user__email"]


@admin.register(SeatChange)
class SeatChangeAdmin(ReadOnlyAdmin):
    """Seats given and freed on the organisation's page or by joining."""

    list_display = ["at", "licence", "user", "taken", "how", "by"]
    list_filter = ["taken", "how"]
    list_select_related = ["licence__organisation", "user", "by"]
    search_fields = ["user__email", "licence__organisation__name"]
    date_hierarchy = "at"


@admin.register(MailPreferenceChange)
class MailPreferenceChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "newsletter", "mail", "how", "by"]
    list_filter = ["newsletter", "mail", "how"]
    list_select_related = ["user", "newsletter", "by"]
    search_fields = ["user__username", "user__email"]
    date_hierarchy = "at"


class IssueInvitationUseInline(newsroom_admin.InvitationUseInline):
    model = IssueInvitationUse


@admin.register(IssueInvitation)
class IssueInvitationAdmin(newsroom_admin.InvitationAdmin):
    raw_id_fields = ["issue"]
    inlines = [IssueInvitationUseInline]


class CorrectionTransitionInline(ReadOnlyAuditInline):
    model = CorrectionTransition


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    """Read only: corrections are started, edited and published on the desk,
    where the workflow and the four-eyes rule apply."""

    list_display = ["__str__", "status", "started_by", "edition", "created_at"]
    list_filter = ["status", "issue__newsletter"]
    list_select_related = ["issue__newsletter", "story", "started_by", "edition"]
    fields = readonly_fields = (
        "issue",
        "story",
        "status",
        "headline",
        "body",
        "note",
        "started_by",
        "edition",
        "created_at",
        "updated_at",
    )
    inlines = [CorrectionTransitionInline]
