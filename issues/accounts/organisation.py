"""An organisation's own page: its contact manages its readers.

A contact of an organisation (`Organisation.contacts`) is a reader manager
limited to it: on /accounts/organisations/<pk>/ they see its licences and
readers, add a reader by address to a licence with a free seat (an account
is made for a new address, and the mail with a link to choose a password is
queued), and remove a reader (their seat is freed at once, their access
through that licence ends at their next request; their own subscriptions and
account stay). The publisher (issues.desk.audience.is_publisher) may use
the page of any organisation. Anyone else, and a contact asking for another
organisation, is answered 404: the page says nothing of organisations that
are not theirs. Seats are given and freed through issues.readers.licences (seats
counted under a lock, each change an audit row, `SeatChange`).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from issues.accounts.mail import send_account_mail
from issues.desk.audience import is_publisher
from issues.models.licences import Licence, LicenceFull, Organisation, Seat, SeatChange
from issues.models.reach import DownloadCount
from issues.models.subscribers import ReaderProfile
from issues.readers.licences import free_seat as free
from issues.readers.licences import take_seat
from newsroom.naming import create_with_unique_name
from newsroom.security.passwords import token_link
from newsroom.site import site_url
from newsroom.types import AuthenticatedHttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ENDS_SOON = 30  # days: a licence ending within them says "ends in N days"
READERS_PER_PAGE = 100


def organisations_of(user: Any) -> QuerySet[Organisation]:
    """The organisations whose page `user` may open."""
    if is_publisher(user):
        return Organisation.objects.all()
    return user.organisations_contacted.all()  # type: ignore[no-any-return]


def organisation_for(user: Any, pk: int) -> Organisation:
    """The organisation `pk` if `user` manages it (404 otherwise, as for
    one that does not exist)."""
    organisation = organisations_of(user).filter(pk=pk).first()
    if organisation is None:
        raise Http404("No such organisation of yours.")
    return organisation


def open_licences(organisation: Organisation) -> QuerySet[Licence]:
    """The licences a reader may still be added to: not ended."""
    return organisation.licences.filter(ends_on__gte=timezone.localdate()).order_by("ends_on", "pk")


class LicenceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # The seats first: a narrow select shows the start of its label.
        titles = ", ".join(n.title for n in obj.newsletters.all())
        used = obj.used
        full = " (full)" if used >= obj.seats else ""
        return f"{used} of {obj.seats} seats taken{full}, until {obj.ends_on:%-d %B %Y}: {titles}"


class AddReaderForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    name = forms.CharField(
        label="Name",
        max_length=300,
        required=False,
        help_text="For a new account only; an existing account keeps its name.",
    )
    licence = LicenceChoice(queryset=Licence.objects.none(), empty_label=None)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["licence"].queryset = (  # type: ignore[attr-defined]
            open_licences(organisation)
            .annotate(used=Count("seats_taken"))
            .prefetch_related("newsletters")
        )
        if organisation.domain:
            self.fields[
                "email"
            ].help_text = f"An address at {organisation.domain}: the seats are for its own people."

    def clean_email(self) -> str:
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"].strip())
        if not self.organisation.admits(email):
            raise ValidationError(
                f"{email} is not at {self.organisation.domain}: the seats of "
                f"{self.organisation} are for its own addresses."
            )
        return email


def add_reader(*, licence: Licence, email: str, name: str, by: User) -> tuple[User, bool]:
    """Give `email` a seat on `licence`: their account, or a new one (then
    True, and the mail with a link to choose a password is queued after
    commit). Refused (ValidationError, nothing changed) when no seat is free
    or the address is not the organisation's."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        created = user is None
        if user is None:
            user = new_reader(email, name, licence.organisation)
        elif Seat.objects.filter(licence=licence, user=user).exists():
            raise ValidationError(f"{email} already has a seat on this licence.")
        take_seat(licence=licence, user=user, by=by, how=SeatChange.How.CONTACT_PAGE)
        seated = user
        transaction.on_commit(
            lambda: send_seat_mail.enqueue(user_id=seated.pk, licence_id=licence.pk, by_id=by.pk)
        )
    return user, created


def new_reader(email: str, name: str, organisation: Organisation) -> User:
    """An account for `email`, without a password (the mail's link chooses one)."""
    accounts = get_user_model().objects
    first, _, last = name.strip().partition(" ")
    user: User = create_with_unique_name(
        email.lower()[:140],
        create=lambda username: accounts.create_user(
            username,
            email=email,
            password=None,
            first_name=first[:150],
            last_name=last.strip()[:150],
        ),
        taken=lambda username: accounts.filter(username__iexact=username).exists(),
    )
    ReaderProfile.objects.update_or_create(
        user=user, defaults={"organisation": organisation.name[:200]}
    )
    return user


@task(queue_name="mail")
def send_seat_mail(*, user_id: int, licence_id: int, by_id: int | None) -> int:
    """Tell a reader they have a seat: what they read until when, and, for
    an account without a password yet, a link to choose one."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    licence = Licence.objects.select_related("organisation").filter(pk=licence_id).first()
    if user is None or licence is None:
        return 0
    by = User.objects.filter(pk=by_id).first() if by_id is not None else None
    context = {
        "licence": licence,
        "organisation": licence.organisation,
        "newsletters": list(licence.newsletters.order_by("title")),
        "by": by,
        "by_contact": by is not None and licence.organisation.contacts.filter(pk=by.pk).exists(),
        "choose_password": not user.has_usable_password(),
        "link": token_link("password_reset_confirm", user, default_token_generator),
        "login_url": site_url(reverse("login")),
        "reset_url": site_url(reverse("password_reset")),
    }
    send_account_mail(
        user, "seat_given", context, subject=f"Your seat on {licence.organisation}'s licence"
    )
    return 1


# The page -------------------------------------------------------------------


def ends_in(licence: Licence, today: datetime.date) -> str:
    """What to say of a licence's end on its row."""
    if licence.ends_on < today:
        return "ended"
    if licence.starts_on > today:
        return "not begun yet"
    days = (licence.ends_on - today).days
    if days == 0:
        return "ends today"
    if days <= ENDS_SOON:
        return f"ends in {days} day{'s' if days != 1 else ''}"
    return ""


def readers_of(organisation: Organisation) -> QuerySet[Seat]:
    last_download = (
        DownloadCount.objects.filter(user=OuterRef("user"))
        .values("user")
        .annotate(last=Max("day"))
        .values("last")
    )
    return (
        Seat.objects.filter(licence__organisation=organisation)
        .select_related("user", "licence")
        .prefetch_related("licence__newsletters")
        .annotate(last_download=Subquery(last_download))
        .order_by("user__email", "licence__ends_on", "pk")
    )


@login_required
def organisation_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the organisation's licences and readers. POST: add a reader."""
    organisation = organisation_for(request.user, pk)
    form = AddReaderForm(request.POST or None, organisation=organisation)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, created = add_reader(
                    licence=data["licence"], email=data["email"], name=data["name"], by=request.user
                )
            except LicenceFull:
                form.add_error(
                    "licence",
                    f"All {data['licence'].seats} seats of this licence are taken: remove a "
                    f"reader to free one, or ask {settings.NEWSROOM_PUBLISHER} for more seats.",
                )
            except ValidationError as exc:
                form.add_error("email", exc)
            else:
                told = "an invitation to choose a password" if created else "a mail saying so"
                messages.success(
                    request, f"{user.email} has a seat now; {told} is on its way to them."
                )
                return redirect("issues:organisation", pk=organisation.pk)
        status = 400
    today = timezone.localdate()
    licences = list(
        organisation.licences.prefetch_related("newsletters")
        .annotate(used=Count("seats_taken"))
        .order_by("-ends_on", "pk")
    )
    for licence in licences:
        licence.ends_in = ends_in(licence, today)  # type: ignore[attr-defined]
    context = {
        "organisation": organisation,
        "licences": licences,
        "readers": Paginator(readers_of(organisation), READERS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "form": form,
        "as_publisher": not organisation.contacts.filter(pk=request.user.pk).exists(),
        "today": today,
    }
    return render(request, "issues/account/organisation.html", context, status=status)


@login_required
@require_POST
def remove_reader(request: AuthenticatedHttpRequest, pk: int, seat: int) -> HttpResponse:
    """Free a reader's seat; the first POST asks, the one with confirm=1 does it."""
    organisation = organisation_for(request.user, pk)
    held = get_object_or_404(
        Seat.objects.select_related("user", "licence"), pk=seat, licence__organisation=organisation
    )
    if request.POST.get("confirm") != "1":
        context = {"organisation": organisation, "seat": held}
        return render(request, "issues/account/organisation_remove.html", context)
    free(licence=held.licence, user=held.user, by=request.user, how=SeatChange.How.CONTACT_PAGE)
    messages.success(
        request,
        f"{held.user.email} no longer has a seat: their access through this licence has ended.",
    )
    return redirect("issues:organisation", pk=organisation.pk)
