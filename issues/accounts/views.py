"""Subscriber accounts: invitation, self sign-up, subscriptions, private feed key.

Staff invite subscribers (`invite_subscriber`, from the admin or the invite
page): the account starts without a password and the mail carries Django's
own set-password link. With NEWSROOM_SELF_SIGNUP on, anyone may sign up; the
account stays inactive until the address is confirmed. Sign-in, sign-out,
password change and reset are Django's auth views (templates/registration/).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_POST

from issues.accounts.downloads import recent_downloads
from issues.accounts.forms import InviteForm, SignupForm, SubscriptionsForm
from issues.accounts.mail import invite_subscriber, send_account_mail
from issues.accounts.own_data import may_delete_itself
from issues.accounts.tokens import signup_token_generator
from issues.models import Subscription
from issues.models.mail_optout import How, MailOptOut
from issues.readers.mail_optout import resume_mail, stop_mail
from newsroom import roles
from newsroom.forms import DigestForm
from newsroom.models import Newsletter
from newsroom.models.planning import DeskSettings
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.roles import is_subscriber
from newsroom.security.accounts import PATH as ACCOUNT_BACKEND
from newsroom.security.passwords import token_link
from newsroom.types import AuthenticatedHttpRequest

if TYPE_CHECKING:
    pass


# Signing in -----------------------------------------------------------------


@login_required
def after_sign_in(request: HttpRequest) -> HttpResponse:
    """Each role lands where it works: editors and reviewers on the desk,
    staff in the admin, subscribers in the archive. (A sign-in that came
    from a page, with ?next=, goes back there instead.)"""
    if roles.is_desk_user(request.user):
        return redirect("desk:dashboard")
    if request.user.is_staff:
        return redirect("admin:index")
    if is_subscriber(request.user):
        return redirect("issues:archive")
    return redirect("issues:home")


# Invitation -----------------------------------------------------------------


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    """Staff invite a subscriber (the admin links here)."""
    if not (request.user.is_staff and request.user.has_perm("auth.add_user")):
        raise PermissionDenied("Only staff who may add users can invite subscribers.")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = invite_subscriber(
            email=form.cleaned_data["email"],
            newsletters=form.cleaned_data["newsletters"],
            invited_by=request.user,
        )
        messages.success(request, f"Invitation sent to {user.email}.")
        return redirect("issues:invite")
    return render(request, "issues/account/invite.html", {"form": form})


# Self sign-up ---------------------------------------------------------------


def require_self_signup() -> None:
    if not settings.NEWSROOM_SELF_SIGNUP:
        raise Http404("Sign-up is by invitation.")


def signup(request: HttpRequest) -> HttpResponse:
    require_self_signup()
    if request.user.is_authenticated:
        return redirect("issues:account")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.is_active = False
        user.save()
        send_account_mail(
            user,
            "signup_confirm",
            {"link": token_link("issues:signup_confirm", user, signup_token_generator)},
            subject=f"Confirm your address for {settings.NEWSROOM_PUBLISHER}",
        )
        return render(request, "issues/account/signup_sent.html", {"email": user.email})
    return render(request, "issues/account/signup.html", {"form": form})


def pending_signup(uidb64: str, token: str) -> User | None:
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        user = get_user_model().objects.get(pk=pk, is_active=False)
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        return None
    return user if signup_token_generator.check_token(user, token) else None


def signup_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET asks, POST activates: a mail scanner that follows links must not
    confirm an address on the owner's behalf."""
    require_self_signup()
    user = pending_signup(uidb64, token)
    if user is None:
        return render(request, "issues/account/signup_invalid.html", status=400)
    if request.method == "POST":
        with transaction.atomic():
            user.is_active = True
            user.save(update_fields=["is_active"])
            user.groups.add(Group.objects.get(name=roles.SUBSCRIBERS))
        login(request, user, backend=ACCOUNT_BACKEND)
        messages.success(request, "Welcome! Choose the newsletters you want to read.")
        return redirect("issues:account")
    return render(request, "issues/account/signup_confirm.html", {"pending": user})


# The account page -----------------------------------------------------------


@login_required
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    newsletters = list(Newsletter.objects.filter(subscriptions__user=request.user))
    token = PrivateAddressKey.of(request.user, Purpose.FEED)
    feeds = [
        {
            "newsletter": newsletter,
            "url": request.build_absolute_uri(
                reverse("issues:private_feed", args=[token.key, newsletter.slug])
            ),
        }
        for newsletter in newsletters
        if token is not None
    ]
    stopped = set(
        MailOptOut.objects.filter(user=request.user).values_list("newsletter_id", flat=True)
    )
    context = {
        "mail": [{"newsletter": n, "on": n.pk not in stopped} for n in newsletters],
        "form": SubscriptionsForm(initial={"newsletters": newsletters}, user=request.user),
        "may_subscribe": is_subscriber(request.user),
        "newsletters": newsletters,
        "token": token,
        "feeds": feeds,
        "downloads": recent_downloads(request),
        "digest_form": DigestForm(instance=desk_settings_of(request.user)),
        "dated": Subscription.objects.filter(user=request.user, ends_on__isnull=False)
        .select_related("newsletter")
        .order_by("ends_on"),
        "today": timezone.localdate(),
        "may_delete": may_delete_itself(request.user),
        "organisations": request.user.organisations_contacted.order_by("name"),
    }
    return render(request, "issues/account/account.html", context)


@login_required
@require_POST
def update_subscriptions(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_subscriber(request.user):
        raise PermissionDenied("Subscriptions are for subscriber accounts.")
    form = SubscriptionsForm(request.POST, user=request.user)
    if not form.is_valid():
        # A newsletter closed to self sign-up: staff grant it, not this page.
        messages.error(request, "Choose among the newsletters listed.")
        return redirect("issues:account")
    chosen = set(form.cleaned_data["newsletters"])
    with transaction.atomic():
        mine = Subscription.objects.filter(user=request.user)
        mine.exclude(newsletter__in=chosen).delete()
        for newsletter in chosen:
            Subscription.objects.get_or_create(user=request.user, newsletter=newsletter)
    messages.success(request, "Your subscriptions are saved.")
    return redirect("issues:account")


@login_required
@require_POST
def mail_preference(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Turn the mail of one subscribed newsletter off or (back) on; the
    subscription and the archive stay as they are."""
    raw = request.POST.get("newsletter", "")
    newsletter = Newsletter.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    wanted = request.POST.get("mail")
    mine = newsletter is not None and (
        Subscription.objects.filter(user=request.user, newsletter=newsletter).exists()
        or MailOptOut.objects.filter(user=request.user, newsletter=newsletter).exists()
    )
    if newsletter is None or not mine or wanted not in ("on", "off"):
        messages.error(
            request, "Choose the mail of a newsletter you subscribe to; nothing changed."
        )
        return redirect("issues:account")
    change = resume_mail if wanted == "on" else stop_mail
    change(user=request.user, newsletter=newsletter, how=How.ACCOUNT_PAGE, by=request.user)
    if wanted == "on":
        messages.success(request, f"Each new issue of {newsletter.title} will be mailed to you.")
    else:
        messages.success(
            request, f"No more mail of {newsletter.title}; its issues stay in your archive."
        )
    return redirect("issues:account")


@login_required
@require_POST
def renew_feed_key(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create the private feed address, or replace it: the old one stops
    working, so replacing it asks first (a page whose form confirms)."""
    existing = PrivateAddressKey.of(request.user, Purpose.FEED)
    if existing and request.POST.get("confirm") != "1":
        return render(request, "issues/account/feed_key_confirm.html")
    _, created = PrivateAddressKey.renew(request.user, Purpose.FEED)
    if not created:
        messages.success(request, "New feed addresses made; the old ones no longer work.")
    else:
        messages.success(request, "Your private feed addresses are ready.")
    return redirect("issues:account")


@login_required
@require_POST
def digest(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Switch the desk's daily digest of what is due on or off, and choose its hour."""
    if not roles.is_desk_user(request.user):
        raise PermissionDenied("The digest is for the desk.")
    form = DigestForm(request.POST, instance=desk_settings_of(request.user))
    if not form.is_valid():
        messages.error(request, "Pick an hour of the day for the digest; nothing was changed.")
        return redirect("issues:account")
    chosen = form.save()
    if chosen.daily_digest:
        hour = chosen.get_digest_hour_display()  # type: ignore[attr-defined]
        zone = timezone.get_current_timezone_name()
        messages.success(request, f"You will get a digest each day at {hour} ({zone}).")
    else:
        messages.success(request, "No more daily digest.")
    return redirect("issues:account")


def desk_settings_of(user: User) -> DeskSettings:
    """The user's desk settings, unsaved defaults if they never chose."""
    return DeskSettings.objects.filter(user=user).first() or DeskSettings(user=user)
