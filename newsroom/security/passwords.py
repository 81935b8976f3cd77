"""Password reset: the mail goes through the task queue, within rate limits.

The page gives one answer ("check your inbox") for a known address, an
unknown one and a refused request alike, so it tells nobody whether an
address has an account; and it does the same work for each, in the same
time: the request only counts itself against the limits and queues the
task, which looks the address up (with a worker queue, after the answer).
The limits, per address and per client, keep the page from being used to
flood someone's mailbox or to keep the mail workers busy. They count in the
cache, which every web process shares (the database by default, see
CACHES); the policy is in docs/hardening.md.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.tasks import task
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from newsroom.security.clientip import client_address
from newsroom.site import site_domain, site_url

logger = logging.getLogger(__name__)

WINDOW = 3600  # seconds: the limits count requests per hour


def token_link(url_name: str, user: Any, generator: PasswordResetTokenGenerator) -> str:
    """An absolute one-time link for `user` (choose a password, confirm an
    address), on the site's public address: the mail is read away from the
    request that asked for it, and a Host header names nothing in it."""
    path = reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": generator.make_token(user),
        },
    )
    return site_url(path)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail is queued, not sent in the request,
    and the address is looked up by the task, for known and unknown alike."""

    def save(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        send_password_reset.enqueue(email=self.cleaned_data["email"])


@task
def send_password_reset(*, email: str) -> int:
    """Mail every active account with the address `email` (usually one, none
    for an unknown address) a link to choose a new password; the number of
    mails sent. The link is on the site's public address, never the Host
    the request named."""
    form = PasswordResetForm()
    sent = 0
    for user in form.get_users(email):
        address = getattr(user, user.get_email_field_name())
        context = {
            "email": address,
            "user": user,
            "site_name": site_domain(),
            "link": token_link("password_reset_confirm", user, default_token_generator),
        }
        form.send_mail(
            "registration/password_reset_subject.txt",
            "registration/password_reset_email.html",
            context,
            None,
            address,
        )
        sent += 1
    return sent


def take_slot(key: str, limit: int) -> bool:
    """Count one request against `key`: True if fewer than `limit` came
    within the last WINDOW seconds. Each request holds a slot of its own for
    the window, taken with `add`, which a shared cache makes atomic (a
    database row's primary key, Redis's SET NX): two processes never take the
    same slot, so no more than `limit` pass, however they interleave."""
    slots = [f"{key}:{n}" for n in range(limit)]
    taken = cache.get_many(slots)
    return any(slot not in taken and cache.add(slot, 1, WINDOW) for slot in slots)


def within_limits(email: str, client: str) -> bool:
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_client = take_slot(f"password-reset:client:{client}", settings.NEWSROOM_RESETS_PER_CLIENT)
    by_address = take_slot(
        f"password-reset:address:{address}", settings.NEWSROOM_RESETS_PER_ADDRESS
    )
    return by_client and by_address


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        client = client_address(self.request)
        if within_limits(form.cleaned_data["email"], client):
            return super().form_valid(form)
        logger.warning(
            "Password reset refused: too many requests from %s or for one address", client
        )
        # The same answer as when a mail goes out.
        return HttpResponseRedirect(self.get_success_url())


password_reset = PasswordResetView.as_view()
