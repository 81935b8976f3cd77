"""Unsubscribing from a newsletter's mail by the link in the mail.

`/mail/unsubscribe/<token>/` needs no sign-in: the signed token names the
reader and the newsletter (issues.readers.mail_optout). GET shows a confirm page and
changes nothing (mail scanners follow links); POST unsubscribes. The
mailbox's one-click POST (RFC 8058: body `List-Unsubscribe=One-Click`, no
cookie, no CSRF token) is the only POST accepted without a CSRF token, and
only with a valid token; the confirm page's button posts with one.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from issues.models.mail_optout import How, MailOptOut
from issues.readers.mail_optout import read_unsubscribe_token, stop_mail
from newsroom.models import Newsletter

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


def _csrf_refusal(request: HttpRequest) -> HttpResponseBase | None:
    """Django's CSRF check, as the middleware makes it for a view that is not
    exempt (the callback it is told about is not)."""
    middleware = CsrfViewMiddleware(lambda r: HttpResponse())
    return middleware.process_view(request, _checked, (), {})


def _checked(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse()


def _private(response: HttpResponse) -> HttpResponse:
    # The address is a credential of sorts: no index, no shared cache.
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponseBase:
    named = read_unsubscribe_token(token)
    reader = newsletter = None
    if named is not None:
        reader = get_user_model().objects.filter(pk=named[0]).first()
        newsletter = Newsletter.objects.filter(pk=named[1]).first()
    if reader is None or newsletter is None:
        invalid = render(request, "issues/account/unsubscribe_invalid.html", status=404)
        return _private(invalid)
    how = How.ONE_CLICK if request.POST.get("List-Unsubscribe") == "One-Click" else None
    if request.method == "POST" and how is None:
        refusal = _csrf_refusal(request)
        if refusal is not None:
            return refusal
        how = How.CONFIRM_PAGE
    if request.method == "POST":
        by = request.user if request.user.pk == reader.pk else None
        stop_mail(user=reader, newsletter=newsletter, how=how, by=by)  # type: ignore[arg-type]
    stopped = MailOptOut.objects.filter(user=reader, newsletter=newsletter).exists()
    context = {"reader": reader, "newsletter": newsletter, "stopped": stopped}
    return _private(render(request, "issues/account/unsubscribe.html", context))
