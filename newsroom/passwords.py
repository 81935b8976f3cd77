"""Password reset: the mail goes through the task queue, within rate limits.

The page gives one answer ("check your inbox") for a known address, an
unknown one and a refused request alike, so it tells nobody whether an
address has an account; the limits, per address and per client, keep it from
being used to flood someone's mailbox or to keep the mail workers busy. The
counters live in the cache: set CACHE_URL to a shared cache when several web
processes serve the site, or each counts on its own.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.tasks import task
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from newsroom.clientip import client_address

logger = logging.getLogger(__name__)

WINDOW = 3600  # seconds: the limits count requests per hour


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail is queued, not sent in the request."""

    def save(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        request = kwargs["request"]
        for user in self.get_users(self.cleaned_data["email"]):
            send_password_reset.enqueue(
                user_id=user.pk,
                protocol="https" if request.is_secure() else "http",
                domain=request.get_host(),
            )


@task
def send_password_reset(*, user_id: int, protocol: str, domain: str) -> bool:
    """Mail `user_id` a link to choose a new password; False if the account
    went away (or lost its address) since the request."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    email = getattr(user, "email", "") if user is not None else ""
    if not email:
        return False
    context = {
        "email": email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),  # type: ignore[union-attr]
        "user": user,
        "token": default_token_generator.make_token(user),  # type: ignore[arg-type]
        "protocol": protocol,
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        email,
    )
    return True


def _within(key: str, limit: int) -> bool:
    """Count one request against `key`; False once more than `limit` came
    within the window."""
    cache.add(key, 0, WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW)
        count = 1
    return count <= limit


def within_limits(email: str, client: str) -> bool:
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_client = _within(f"password-reset:client:{client}", settings.NEWSROOM_RESETS_PER_CLIENT)
    by_address = _within(f"password-reset:address:{address}", settings.NEWSROOM_RESETS_PER_ADDRESS)
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
