"""The publisher's audience pages: subscriber lists in and out, and who reads.

A publisher is active staff who may add accounts (`auth.add_user`), as for
inviting one subscriber: reviewers and editors are not publishers. The list
uploaded for import waits in a `SubscriberImport` row between the dry run and
the confirmation; nothing is applied before the publisher confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from issues.models import Subscription
from issues.models.licences import Licence
from issues.models.reach import DownloadCount
from issues.models.subscribers import ReaderProfile, SubscriberImport
from issues.readers.audience import ENDING_SOON, AudienceCounts, audience_counts
from issues.readers.subscribers import (
    COLUMNS,
    MAX_IMPORT_BYTES,
    ImportFileError,
    apply_import,
    decode,
    plan_import,
    write_csv,
)
from newsroom.models import Newsletter
from newsroom.paging import BoundedPaginator, CountedPaginator
from newsroom.types import AuthenticatedHttpRequest

LICENCES_SHOWN = 10
LICENCES_MAX = 1000


def is_publisher(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("auth.add_user"))


def publisher_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_publisher(request.user):
            raise PermissionDenied("The audience is the publisher's: staff who may add accounts.")
        return view(request, *args, **kwargs)

    return wrapped


class SubscriberListForm(forms.Form):
    file = forms.FileField(
        label="Subscriber list (CSV)",
        help_text="Columns: " + ", ".join(COLUMNS) + "; newsletters by slug separated by “;”, "
        "the end date as YYYY-MM-DD (empty: no end). At most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@publisher_required
def import_subscribers(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a list; the dry run's report comes next."""
    form = SubscriberListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:
                raise ImportFileError("The file is larger than 10 MB.")
            text = decode(upload.read())
            plan_import(text)  # a file that cannot be read at all is refused here
        except ImportFileError as exc:
            form.add_error("file", f"{exc} Nothing was imported.")
        else:
            with transaction.atomic():
                # An upload replaces the publisher's earlier ones not applied:
                # no list of addresses lingers unasked for.
                SubscriberImport.objects.filter(
                    uploaded_by=request.user, applied_at__isnull=True
                ).delete()
                kept = SubscriberImport.objects.create(
                    uploaded_by=request.user, filename=upload.name[:200], text=text
                )
            return redirect("issue_desk:subscriber_import", pk=kept.pk)
    return render(request, "issues/desk/subscribers_import.html", {"form": form})


@publisher_required
def subscriber_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the dry run's report. POST: apply it (once)."""
    kept = get_object_or_404(SubscriberImport, pk=pk, uploaded_by=request.user)
    if request.method == "POST":
        with transaction.atomic():
            # Locked: two confirmations of one list apply it once.
            kept = SubscriberImport.objects.select_for_update().get(pk=kept.pk)
            if kept.applied_at is not None:
                messages.error(request, "This list was imported already; nothing changed.")
                return redirect("issue_desk:subscriber_import", pk=kept.pk)
            outcome = apply_import(plan_import(kept.text), by=request.user)
            kept.outcome = (
                f"{outcome.created} created, {outcome.updated} updated, {outcome.refused} refused"
            )
            kept.applied_at, kept.text = timezone.now(), ""
            kept.save(update_fields=["applied_at", "text", "outcome"])
        messages.success(
            request, f"Imported: {kept.outcome}. New readers' invitations are on their way."
        )
        return redirect("issue_desk:audience")
    plan = plan_import(kept.text) if kept.applied_at is None else None
    return render(request, "issues/desk/subscribers_report.html", {"kept": kept, "plan": plan})


# The audience -----------------------------------------------------------------


class AudienceFilter(forms.Form):
    newsletter = forms.ModelChoiceField(
        Newsletter.objects.order_by("title"), required=False, empty_label="All newsletters"
    )
    show = forms.ChoiceField(
        choices=[
            ("", "Every subscription"),
            ("current", "Current"),
            ("ending", "Ending within 30 days"),
            ("lapsed", "Ended"),
            ("never", "Readers who never downloaded"),
        ],
        required=False,
    )
    q = forms.CharField(label="Address, name or organisation", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"


def filtered(form: AudienceFilter) -> QuerySet[Subscription]:
    """The subscriptions the filter asks for (all, if it is not valid)."""
    today = timezone.localdate()
    subscriptions = Subscription.objects.all()
    if not form.is_valid():
        return subscriptions
    data = form.cleaned_data
    if data["newsletter"]:
        subscriptions = subscriptions.filter(newsletter=data["newsletter"])
    if data["show"] == "current":
        subscriptions = subscriptions.current(today)  # type: ignore[attr-defined]
    elif data["show"] == "lapsed":
        subscriptions = subscriptions.filter(ends_on__lt=today)
    elif data["show"] == "ending":
        subscriptions = subscriptions.filter(ends_on__range=(today, today + ENDING_SOON))
    elif data["show"] == "never":
        downloaded = DownloadCount.objects.filter(user=OuterRef("user"))
        subscriptions = subscriptions.filter(~Exists(downloaded))
    if data["q"]:
        subscriptions = subscriptions.filter(user__in=readers_matching(data["q"]))
    return subscriptions


COUNTED = {
    "": "subscriptions",
    "current": "current",
    "ending": "ending",
    "lapsed": "ended",
    "never": "never",
}


def audience_paginator(
    form: AudienceFilter, subscriptions: QuerySet[Subscription], counts: dict[int, AudienceCounts]
) -> Paginator:
    """Pages of 50 whose number comes from the kept totals, unless a search
    narrows the list: then counted, up to the bounded paginator's cap."""
    valid = form.is_valid()
    if valid and form.cleaned_data["q"]:
        return BoundedPaginator(subscriptions, 50)
    field = COUNTED[form.cleaned_data["show"] if valid else ""]
    newsletter: Newsletter | None = form.cleaned_data["newsletter"] if valid else None
    chosen = [counts.get(newsletter.pk)] if newsletter else counts.values()
    return CountedPaginator(
        subscriptions, 50, count=sum(getattr(row, field) for row in chosen if row is not None)
    )


def readers_matching(q: str) -> QuerySet[Any]:
    """The ids of readers whose address, name or organisation holds `q`
    (any case). One list of ids from the two tables, each searched by its
    own trigram index on PostgreSQL (migration 0029): asked as an OR across
    the join, the search read every subscription and account (45 ms at
    33,000 subscriptions)."""
    people = (
        get_user_model()
        .objects.filter(
            Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
        .values("pk")
    )
    return people.union(ReaderProfile.objects.filter(organisation__icontains=q).values("user"))


@publisher_required
def audience(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    counts = audience_counts(today)
    newsletters = list(Newsletter.objects.order_by("title"))
    for newsletter in newsletters:
        newsletter.audience = counts.get(newsletter.pk, AudienceCounts())  # type: ignore[attr-defined]
    form = AudienceFilter(request.GET or None)
    subscriptions = (
        filtered(form)
        .select_related("user__reader_profile", "newsletter")
        .order_by("ends_on", "user__email", "pk")
    )
    paginator = audience_paginator(form, subscriptions, counts)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The ones that need the publisher soonest, unless they ask for every
    # one: a page of 200 licences would bury the readers. One more tells
    # whether there are others; seats are counted for those shown only.
    every_licence = request.GET.get("licences") == "all"
    shown = LICENCES_MAX if every_licence else LICENCES_SHOWN
    soonest = (
        Licence.objects.filter(ends_on__gte=today - ENDING_SOON)
        .order_by("ends_on", "pk")
        .values_list("pk", flat=True)[: shown + 1]
    )
    licences = list(
        Licence.objects.filter(pk__in=list(soonest))
        .select_related("organisation")
        .prefetch_related("newsletters")
        .annotate(used=Count("seats_taken"))
        .order_by("ends_on", "pk")
    )
    toggle = query.copy()
    if every_licence:
        toggle.pop("licences", None)
    else:
        toggle["licences"] = "all"
    context = {
        "licences": licences[:shown],
        "more_licences": len(licences) > shown,
        "every_licence": every_licence,
        "licences_shown": LICENCES_SHOWN,
        "licences_toggle": toggle.urlencode(),
        "newsletters": newsletters,
        "form": form,
        "page": page,
        "ending_soon": ENDING_SOON.days,
        "today": today,
        "query": query.urlencode(),
    }
    return render(request, "issues/desk/audience.html", context)


@publisher_required
def audience_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The filtered readers in the import's columns (formula-safe)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
    write_csv(response, filtered(AudienceFilter(request.GET or None)))
    return response
