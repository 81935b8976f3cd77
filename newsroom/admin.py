from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from newsroom.desk.stories import conflict_page
from newsroom.forms import limit_body
from newsroom.models import Newsletter, Source, Story, StoryTransition
from newsroom.models.comments import Comment
from newsroom.models.drafts import StoryDraft
from newsroom.models.invitations import StoryInvitation, StoryInvitationUse
from newsroom.models.planning import Assignment, DeskNotice
from newsroom.models.private_addresses import PrivateAddressKey
from newsroom.models.stories import STORY_STATUS_WORDS, EditConflict
from newsroom.review.workflow import (
    PUBLISH,
    SUBMIT,
    WITHDRAW,
    Status,
    Transition,
    WorkflowError,
    WorkflowModel,
    perform,
)

AdminAction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], None]


def run_transitions(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: QuerySet[Any],
    label: str,
    apply: Callable[[WorkflowModel], object],
) -> None:
    """Apply a transition to each selected object, reporting each refusal."""
    done = 0
    for obj in objects:
        try:
            apply(obj)
        except WorkflowError as refusal:
            modeladmin.message_user(request, f"{obj}: {refusal}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{label}: {done} done.", messages.SUCCESS)


def workflow_action(transition: Transition, description: str) -> AdminAction:
    """An admin action that moves each selected object through `transition`."""

    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        run_transitions(
            modeladmin,
            request,
            queryset,
            transition.label,
            lambda obj: perform(obj, transition, by=request.user, note="admin action"),
        )

    action.__name__ = transition.name
    return action


@admin.action(description="Withdraw selected stories")
def withdraw_with_reason(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Story]
) -> TemplateResponse | None:
    """Withdraw asks for the reason first, as the desk does: each author
    reads it on the story and in their mail. The first POST shows the
    question; the second, with a reason, withdraws."""
    reason = request.POST.get("reason", "")
    if request.POST.get("post") and reason.strip():
        run_transitions(
            modeladmin,
            request,
            queryset,
            WITHDRAW.label,
            lambda obj: perform(
                obj, WITHDRAW, by=request.user, comment=reason, note="admin action"
            ),
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Why is this story withdrawn?"
        if len(queryset) == 1
        else "Why are these stories withdrawn?",
        "opts": modeladmin.model._meta,
        "stories": queryset,
        "reason": reason,
        "missing": bool(request.POST.get("post")),
        "missing_message": Story.reason_required[WITHDRAW],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/newsroom/story/withdraw_reason.html", context)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on the object they belong to, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAuditInline(ReadOnlyInline):
    """The audit trail, shown on the object it belongs to."""

    fields = readonly_fields = (
        "at",
        "transition",
        "from_status",
        "to_status",
        "by",
        "comment",
        "note",
    )
    ordering = ["-at"]


class StoryTransitionInline(ReadOnlyAuditInline):
    """In the desk's words: a story is approved, never published."""

    model = StoryTransition
    fields = readonly_fields = (
        "at",
        "action_words",
        "from_words",
        "to_words",
        "by",
        "comment",
        "note",
    )


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "publication_weekday",
        "publication_time",
        "archival_pdf",
        "open_to_self_signup",
    ]
    list_filter = ["open_to_self_signup"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "homepage", "story_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).with_story_count()  # type: ignore[attr-defined]

    @admin.display(ordering="story_count", description="stories")
    def story_count(self, source: Source) -> int:
        return source.story_count  # type: ignore[attr-defined]


class StoryStatusFilter(admin.SimpleListFilter):
    """The status filter in the desk's words ("Approved", not "Published")."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), words) for value, words in STORY_STATUS_WORDS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(status=self.value()) if self.value() else queryset


class StoryAdminForm(forms.ModelForm):
    """The admin's story form carries the version it was loaded from, as the
    desk's does, so that a save over a newer version is refused."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflict: Story | None = None
        if self.instance.pk and "loaded_version" not in self.initial:
            # Read afresh: on simple_history's revert page the instance is an
            # old revision, whose version is not the one being replaced.
            current = Story.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            self.initial["loaded_version"] = current.first()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None:
            return cleaned
        # Locked until the admin's transaction ends, after save_model has
        # saved: no desk save slips in between this check and ours.
        current = Story.objects.select_for_update().filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError("This story was deleted meanwhile; nothing was saved.")
        if current.version != (cleaned.get("loaded_version") or 0):
            self.conflict = current
            raise ValidationError(
                f"Someone saved this story (now version {current.version}) since you opened "
                "it; nothing was saved, so as not to overwrite their text."
            )
        return cleaned


@admin.register(Story)
class StoryAdmin(SimpleHistoryAdmin):
    form = StoryAdminForm
    list_display = ["headline", "newsletter", "source", "author", "status_words", "updated_at"]
    list_filter = [StoryStatusFilter, "newsletter", "source"]
    list_select_related = ["newsletter", "source", "author"]
    search_fields = ["headline", "body"]
    date_hierarchy = "updated_at"
    autocomplete_fields = ["source"]
    readonly_fields = [
        "author",
        "last_edited_by",
        "status_in_words",
        "approved_at",
        "version",
        "created_at",
        "updated_at",
    ]
    fields = [
        "headline",
        "body",
        "source",
        "original_url",
        "newsletter",
        "loaded_version",
        *readonly_fields,
    ]
    inlines = [StoryTransitionInline]
    actions = [
        workflow_action(SUBMIT, "Submit selected stories for review"),
        workflow_action(PUBLISH, "Approve selected stories"),
        withdraw_with_reason,
    ]

    @admin.display(ordering="status", description="status")
    def status_words(self, story: Story) -> str:
        return STORY_STATUS_WORDS[Status(story.status)]

    @admin.display(description="status")
    def status_in_words(self, story: Story) -> str:
        """On the story's own page: "In issue no. N" once that issue is published."""
        return story.status_label() if story.pk else STORY_STATUS_WORDS[Status.DRAFT]

    @admin.display(ordering="published_at", description="approved at")
    def approved_at(self, story: Story) -> datetime.datetime | None:
        return story.published_at

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body" and field is not None:
            limit_body(field)
        return field

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The desk's rules, here too: editors change drafts, reviewers fix
        # stories in review, nobody changes an approved story. Otherwise the
        # admin shows the story read-only.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.can_edit(request.user))

    def save_model(self, request: HttpRequest, obj: Story, form: Any, change: bool) -> None:
        if not change:
            # Whoever writes it is its author, here as on the desk.
            obj.author = request.user  # type: ignore[assignment]
            obj._history_user = request.user  # type: ignore[attr-defined]
            super().save_model(request, obj, form, change)
            return
        restored = _restored_revision(request, obj)
        if restored is not None or set(form.changed_data) - {"loaded_version"}:
            # An admin edit is an edit like the desk's: locked, checked against
            # the version the form was loaded from (desk forms loaded before it
            # see a conflict), and its editor recorded, so that they cannot
            # approve it.
            obj.save_edit(
                by=request.user,
                expected_version=form.cleaned_data["loaded_version"] or 0,
                reason=restored or "admin edit",
            )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponseBase:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (EditConflict, WorkflowError) as refusal:
            # The form's check comes first; this answers a race it cannot
            # see (a status change), never with a 500.
            self.message_user(request, f"Nothing was saved: {refusal}", messages.ERROR)
            return redirect(request.path)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        refused = _conflict_page(request, context["adminform"].form)
        return refused or super().render_change_form(request, context, add, change, form_url, obj)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponseBase:
        """simple_history's "revert" page: the old revision's text in the
        change form, saved as the desk's restore is (a new version, checked
        against the version the page was loaded from, only while the story
        may be edited now). Refusals come back as a message, never a 500."""
        history = reverse("admin:newsroom_story_history", args=[object_id])
        story = Story.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if request.method == "POST" and story is not None and not story.can_edit(request.user):
            self.message_user(
                request,
                f"Nothing was restored: this story is {story.status_label().lower()} "
                "and cannot be changed now.",
                messages.ERROR,
            )
            return redirect(history)
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except (EditConflict, WorkflowError) as refusal:
            self.message_user(request, f"Nothing was restored: {refusal}", messages.ERROR)
            return redirect(history)

    def render_history_view(
        self, request: HttpRequest, template: Any, context: dict[str, Any], **kwargs: Any
    ) -> HttpResponse:
        # Also the history list's renderer, which has no form.
        adminform = context.get("adminform")
        refused = _conflict_page(request, adminform.form) if adminform else None
        return refused or super().render_history_view(request, template, context, **kwargs)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # `obj` is the old revision: whether it may be restored is the
        # current story's question.
        current = Story.objects.filter(pk=obj.pk).first() if obj is not None else None
        editable = current is not None and current.can_edit(request.user)
        return bool(super().revert_disabled(request, obj)) or not editable


def _restored_revision(request: HttpRequest, story: Story) -> str | None:
    """The history reason of a save from simple_history's revert page, or
    None for a save of the ordinary change form."""
    match = request.resolver_match
    if match is None or not (match.url_name or "").endswith("_simple_history"):
        return None
    record = story.history.filter(history_id=match.args[1]).first()  # type: ignore[attr-defined]
    if record is None:
        return "restored in the admin"
    when = timezone.localtime(record.history_date).strftime("%d %b %Y %H:%M")
    return f"Restored the revision of {when} (version {record.version}) in the admin"


def _conflict_page(request: HttpRequest, form: Any) -> HttpResponse | None:
    """The desk's conflict page for an admin save refused as stale (and only
    for that refusal: other errors are shown on the admin form as usual).
    The refused text is kept in the history, as on the desk."""
    current = getattr(form, "conflict", None)
    if current is None or any(field for field in form.errors if field != "__all__"):
        return None
    form.instance._keep_refused_edit(
        by=request.user, based_on=form.cleaned_data.get("loaded_version") or 0
    )
    return conflict_page(request, form, current)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that the admin shows and never adds, changes or deletes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAuditAdmin(ReadOnlyAdmin):
    """Audit rows are written by the workflow only; the admin reads them."""

    list_filter = ["transition", "to_status", "note"]
    date_hierarchy = "at"


@admin.register(StoryTransition)
class StoryTransitionAdmin(ReadOnlyAuditAdmin):
    list_display = ["at", "story", "transition", "from_status", "to_status", "by", "note"]
    list_select_related = ["story", "by"]
    search_fields = ["story__headline", "comment"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "story", "who", "quote", "anchor", "resolved_at"]
    list_select_related = ["story", "author"]
    list_filter = ["anchor", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["story__headline", "text", "quote", "author_email"]
    raw_id_fields = ["story", "parent", "author", "resolved_by"]


class InvitationUseInline(admin.TabularInline):
    """Each use of a review link, as logged; read-only."""

    extra = 0
    can_delete = False
    fields = ("at", "email", "action", "verdict", "comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvitationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "email", "invited_by", "expires_at", "revoked_at"]
    list_select_related = ["invited_by"]
    search_fields = ["email"]
    readonly_fields = ["id", "created_at", "invited_by", "revoked_by"]


class StoryInvitationUseInline(InvitationUseInline):
    model = StoryInvitationUse


@admin.register(StoryInvitation)
class StoryInvitationAdmin(InvitationAdmin):
    raw_id_fields = ["story"]
    inlines = [StoryInvitationUseInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["headline", "newsletter", "assignee", "due_at", "story"]
    list_filter = ["newsletter", "assignee"]
    search_fields = ["headline"]
    raw_id_fields = ["assignee", "created_by"]

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        if change:
            # A new version, so that a desk form loaded before it sees a conflict.
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(DeskNotice)
class DeskNoticeAdmin(admin.ModelAdmin):
    list_display = ["user", "message", "created_at", "mailed_at", "dismissed_at"]
    readonly_fields = ["lapse_key", "mailed_at", "mail_attempts", "mail_error"]


@admin.register(StoryDraft)
class StoryDraftAdmin(admin.ModelAdmin):
    """Autosaved unsaved changes (newsroom/models/drafts.py): for looking, and for
    deleting a stale one; they are written only by the story form."""

    list_display = ["user", "story", "headline", "saved_at"]
    list_select_related = ["user", "story"]
    search_fields = ["user__username", "headline"]
    readonly_fields = [field.name for field in StoryDraft._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PrivateAddressKey)
class PrivateAddressKeyAdmin(admin.ModelAdmin):
    """Private feed and calendar addresses: deleting a key closes its address."""

    list_display = ["user", "purpose", "created_at"]
    list_filter = ["purpose"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["key", "created_at"]
