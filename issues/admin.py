from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from issues.models import (
    Delivery,
    FeedToken,
    Issue,
    IssueStory,
    IssueTransition,
    Subscription,
)
from issues.publishing import PublishError, publish_issue
from newsroom import admin as newsroom_admin
from newsroom.admin import (
    ReadOnlyAuditAdmin,
    ReadOnlyAuditInline,
    run_transitions,
    workflow_action,
)
from newsroom.models import Newsletter
from newsroom.workflow import SUBMIT, WorkflowError

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


class IssueTransitionInline(ReadOnlyAuditInline):
    model = IssueTransition


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
    list_display = ["__str__", "newsletter", "number", "status", "published_at", "page_count"]
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
        "stored_artifacts",
        "html_sha256",
        "pdf_sha256",
        "pdf_size",
        "page_count",
        "renderer_version",
    ]
    inlines = [IssueStoryInline, IssueTransitionInline]
    actions = [workflow_action(SUBMIT, "Submit selected issues for review"), publish]

    @admin.display(description="stored artifacts")
    def stored_artifacts(self, issue: Issue) -> str:
        # Artifacts have no public URL; the download view checks access.
        if not issue.pdf_file:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · {}',
            reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number]),
            issue.pdf_file.name,
            issue.html_file.name,
        )

    def save_model(self, request: HttpRequest, obj: Issue, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(IssueTransition)
class IssueTransitionAdmin(ReadOnlyAuditAdmin):
    list_display = ["at", "issue", "transition", "from_status", "to_status", "by", "note"]
    list_select_related = ["issue__newsletter", "by"]
    search_fields = ["issue__newsletter__title", "comment"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "newsletter", "created_at"]
    list_filter = ["newsletter"]
    list_select_related = ["user", "newsletter"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["key", "created_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["issue", "user", "created_at", "sent_at", "error"]
    list_filter = ["issue__newsletter", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["issue__newsletter", "user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["issue", "user", "created_at", "sent_at", "error"]
