"""The reader's own rights: take one's data, and be forgotten.

`my_data` gives the signed-in reader everything we hold about their account
as one JSON file: the account, their organisation, subscriptions (with end
dates), mail preferences and their changes, mails sent, downloads.

`delete_account` (confirmed with the password) deletes the account and
everything personal with it (subscriptions, feed key, mail preferences,
deliveries, the organisation). Download counts are not personal once they
name nobody: the reader's rows are first added to the anonymous counters
(`forget_downloads`), so an issue's totals stay as they were. Desk and staff
accounts are not deleted here: their names are on audit rows; an
administrator retires them.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from issues.models import Delivery, Subscription
from issues.models.mail_optout import MailOptOut, MailPreferenceChange
from issues.models.reach import DownloadCount
from issues.readers.reach import CountKey, write_counts
from newsroom import roles
from newsroom.types import AuthenticatedHttpRequest


def own_data(user: User) -> dict[str, Any]:
    profile = getattr(user, "reader_profile", None)
    subscriptions = Subscription.objects.filter(user=user).select_related(
        "newsletter", "licence__organisation"
    )
    downloads = (
        DownloadCount.objects.filter(user=user)
        .select_related("edition__issue__newsletter")
        .order_by("day", "pk")
    )
    return {
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": profile.organisation if profile else "",
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "subscriptions": [
            {
                "newsletter": s.newsletter.slug,
                "title": s.newsletter.title,
                "since": s.created_at.isoformat(),
                "ends_on": s.ends_on.isoformat() if s.ends_on else None,
                "licence_of": s.licence.organisation.name if s.licence else None,
            }
            for s in subscriptions.order_by("newsletter__slug")
        ],
        "mail_preferences": {
            "no_mail_of": sorted(
                MailOptOut.objects.filter(user=user).values_list("newsletter__slug", flat=True)
            ),
            "changes": [
                {"newsletter": slug, "mail": mail, "how": how, "at": at.isoformat()}
                for slug, mail, how, at in MailPreferenceChange.objects.filter(user=user)
                .order_by("at", "pk")
                .values_list("newsletter__slug", "mail", "how", "at")
            ],
        },
        "mails_sent": [
            {"issue": f"{slug} no. {number}", "sent_at": sent.isoformat() if sent else None}
            for slug, number, sent in Delivery.objects.filter(user=user, sent_at__isnull=False)
            .order_by("sent_at", "pk")
            .values_list("issue__newsletter__slug", "issue__number", "sent_at")
        ],
        "downloads": [
            {
                "issue": f"{d.edition.issue.newsletter.slug} no. {d.edition.issue.number}",
                "edition": d.edition.number,
                "day": d.day.isoformat(),
                "document": d.document,
                "channel": d.channel,
                "count": d.count,
            }
            for d in downloads
        ],
    }


@login_required
@require_safe
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    body = json.dumps(own_data(request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


def forget_downloads(user: User) -> None:
    """Move `user`'s download counts onto the anonymous counters, then drop
    their own rows: the totals stay, the name goes."""
    rows = DownloadCount.objects.filter(user=user)
    moved: Counter[CountKey] = Counter()
    for edition_id, day, document, channel, n in rows.values_list(
        "edition_id", "day", "document", "channel", "count"
    ):
        moved[(edition_id, day, None, document, channel)] += n
    if moved:
        write_counts(dict(moved))
    rows.delete()


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password


def may_delete_itself(user: User) -> bool:
    return not (user.is_staff or user.is_superuser or roles.is_desk_user(user))


@login_required
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not may_delete_itself(user):
        messages.error(
            request, "Desk and staff accounts are retired by an administrator, not deleted here."
        )
        return redirect("issues:account")
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                forget_downloads(user)
                user.delete()
        except ProtectedError:
            messages.error(request, "This account is named in the records; ask the publisher.")
            return redirect("issues:account")
        logout(request)
        return render(request, "issues/account/deleted.html")
    return render(request, "issues/account/delete.html", {"form": form})
