"""Joining an organisation's licence by email domain.

An organisation with an email domain and `join_by_domain` on lets its own
people ask for a seat on the public page /accounts/join/: they give their
address, and the page answers the same for every address, known or not, at
an organisation or not (it tells nobody who has an account or which
organisations subscribe). The request only counts itself against the limits
of the password reset (newsroom/security/passwords.py, per address and per client)
and queues `ask_to_join`, which looks the address up after the answer:

- an organisation that lets its domain join and has a licence not ended:
  while one of its seats is free, a mail to the address with a link to take
  it (the seat is taken when the owner of the address follows the link and
  confirms, so a stranger cannot fill the seats with addresses they do not
  hold); when none is free, a mail to the address saying so, and one to
  each of the organisation's contacts;
- otherwise nothing is sent.

Confirming (GET asks, POST takes the seat, as for the sign-up) makes an
account for a new address or reuses the existing one, and takes the seat
under the licence's lock (issues.readers.licences.take_seat, an audit row); an
account without a password goes on to choose one.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from issues.accounts.mail import send_account_mail
from issues.accounts.organisation import new_reader
from issues.models.licences import Licence, LicenceFull, Organisation, Seat, SeatChange
from issues.readers.licences import take_seat
from newsroom.security.clientip import client_address
from newsroom.security.passwords import take_slot
from newsroom.site import message_id, site_url

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

SALT = "issues.accounts.joining"
LINK_DAYS = 3


def joinable_licences(email: str) -> list[Licence]:
    """The licences not ended of organisations that let `email`'s domain
    join, the longest-lasting first."""
    domain = email.lower().rsplit("@", 1)[-1]
    organisations = [
        organisation
        for organisation in Organisation.objects.filter(
            join_by_domain=True, email_domain__icontains=domain
        )
        if organisation.domain == domain
    ]
    return list(
        Licence.objects.filter(organisation__in=organisations, ends_on__gte=timezone.localdate())
        .select_related("organisation")
        .order_by("-ends_on", "pk")
    )


def has_free_seat(licence: Licence) -> bool:
    return licence.seats_taken.count() < licence.seats


def join_link(email: str) -> str:
    token = signing.dumps(email.lower(), salt=SALT, compress=True)
    return site_url(reverse("issues:join_confirm", args=[token]))


def read_join_token(token: str) -> str | None:
    try:
        email = signing.loads(token, salt=SALT, max_age=LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) else None


@task(queue_name="mail")
def ask_to_join(*, email: str) -> str:
    """Answer a request to join by email domain by mail (see the module's
    docstring); what was done, for the logs and tests."""
    licences = joinable_licences(email)
    if not licences:
        return "no organisation"
    context = {
        "email": email,
        "publisher": settings.NEWSROOM_PUBLISHER,
        "organisation": licences[0].organisation,
    }
    if (
        any(has_free_seat(licence) for licence in licences)
        or Seat.objects.filter(licence__in=licences, user__email__iexact=email).exists()
    ):
        mail_to(email, "join_link", {**context, "link": join_link(email), "days": LINK_DAYS})
        return "link sent"
    mail_to(email, "join_no_seat", context)
    tell_contacts(email, licences)
    return "no seat free"


def tell_contacts(email: str, licences: list[Licence]) -> None:
    """Each contact of the organisations asked: someone asked, no seat was free."""
    for organisation in dict.fromkeys(licence.organisation for licence in licences):
        for contact in organisation.contacts.filter(is_active=True).exclude(email=""):
            send_account_mail(
                contact,
                "join_no_seat_contact",
                {
                    "asked": email,
                    "organisation": organisation,
                    "page": site_url(reverse("issues:organisation", args=[organisation.pk])),
                },
                subject=f"{email} asked to join {organisation}'s licence; no seat is free",
            )


def mail_to(email: str, template: str, context: dict[str, Any]) -> None:
    """A mail to an address that may have no account yet."""
    organisation = context["organisation"]
    subject = (
        f"Your access to {settings.NEWSROOM_PUBLISHER} through {organisation}"
        if template == "join_link"
        else f"No seat is free on {organisation}'s licence"
    )
    EmailMultiAlternatives(
        subject,
        render_to_string(f"issues/mail/{template}.txt", context),
        to=[email],
        headers={"Message-ID": message_id()},
    ).send()


# The pages ------------------------------------------------------------------


class JoinForm(forms.Form):
    email = forms.EmailField(
        label="Your work email address",
        max_length=254,
        help_text="The address your organisation gave you.",
    )


def within_limits(email: str, client: str) -> bool:
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_client = take_slot(f"join:client:{client}", settings.NEWSROOM_RESETS_PER_CLIENT)
    by_address = take_slot(f"join:address:{address}", settings.NEWSROOM_RESETS_PER_ADDRESS)
    return by_client and by_address


def join(request: HttpRequest) -> HttpResponse:
    """Ask for access through one's organisation: one answer for every address."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        client = client_address(request)
        if within_limits(email, client):
            ask_to_join.enqueue(email=email)
        else:
            logger.warning("Join refused: too many requests from %s or for one address", client)
        return redirect("issues:join_asked")
    return render(request, "issues/account/join.html", {"form": form})


def join_asked(request: HttpRequest) -> HttpResponse:
    return render(request, "issues/account/join_asked.html")


def join_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST takes the seat: a mail scanner that follows links must
    not take a seat on the owner's behalf."""
    email = read_join_token(token)
    licences = joinable_licences(email) if email else []
    if email is None or not licences:
        return render(request, "issues/account/join_invalid.html", status=400)
    if request.method != "POST":
        context = {"email": email, "organisation": licences[0].organisation}
        return render(request, "issues/account/join_confirm.html", context)
    try:
        user, seat = seat_for(email, licences)
    except LicenceFull:
        tell_contacts(email, licences)
        context = {"organisation": licences[0].organisation}
        return render(request, "issues/account/join_full.html", context, status=409)
    except ValidationError:
        return render(request, "issues/account/join_invalid.html", status=400)
    if not user.has_usable_password():
        # The owner of the address is here: on to choosing a password.
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return redirect(
            "password_reset_confirm", uidb64=uid, token=default_token_generator.make_token(user)
        )
    messages.success(
        request,
        f"You have a seat on {seat.licence.organisation}'s licence. Sign in to read.",
    )
    return redirect("login")


def seat_for(email: str, licences: list[Licence]) -> tuple[User, Seat]:
    """`email`'s seat on one of `licences` (theirs already, or the first
    free), with their account (made if new); LicenceFull when none is free,
    and then nothing changed."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        if user is not None and not user.is_active:
            raise ValidationError("This account is closed.")
        held = Seat.objects.filter(licence__in=licences, user=user).first() if user else None
        if held is not None:
            return user, held  # type: ignore[return-value]
        user = user or new_reader(email, "", licences[0].organisation)
        for licence in licences:
            try:
                return user, take_seat(licence=licence, user=user, how=SeatChange.How.JOINED)
            except LicenceFull:
                continue
        raise LicenceFull("No seat is free.")
