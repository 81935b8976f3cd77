"""Creating an issue pre-fills number and period for the newsletter chosen,
whatever the number of newsletters, and suggests again when it changes.

Alice edits, Bob reviews.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from newsroom.models import Newsletter
from tests import factories

SUGGEST = reverse("issue_desk:issue_suggestion")


def test_with_several_newsletters_the_form_starts_filled_in(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    factories.make_newsletter("Energy and Utilities", slug="energy")
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=9, period_start=datetime.date(2025, 11, 24)
    )
    client.force_login(alice)

    form = client.get(reverse("issue_desk:issue_create")).context["form"]

    assert form.initial["newsletter"] == Newsletter.objects.first()
    assert form.initial["number"] >= 1 and form.initial["period_start"]


@pytest.mark.clock(datetime.datetime(2025, 12, 3, 9, 0, tzinfo=datetime.UTC))
def test_the_suggestion_follows_the_newsletter_chosen(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    energy = factories.make_newsletter("Energy and Utilities", slug="energy")
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=9, period_start=datetime.date(2025, 11, 24)
    )
    client.force_login(alice)

    ict = client.get(SUGGEST, {"newsletter": newsletter.pk}).json()
    fresh = client.get(SUGGEST, {"newsletter": energy.pk}).json()

    period = {key: ict[key] for key in ("number", "period_start", "period_end")}
    assert period == {"number": "10", "period_start": "2025-12-01", "period_end": "2025-12-07"}
    assert fresh["number"] == "1"


def test_only_editors_ask_and_an_unknown_newsletter_is_a_404(
    client: Client, alice: User, bob: User, newsletter: Newsletter
) -> None:
    client.force_login(bob)
    assert client.get(SUGGEST, {"newsletter": newsletter.pk}).status_code == 403
    client.force_login(alice)
    assert client.get(SUGGEST, {"newsletter": 999999}).status_code == 404


@pytest.mark.clock(datetime.datetime(2026, 12, 9, 9, 0, tzinfo=datetime.UTC))  # a Wednesday
def test_after_a_break_the_suggestion_is_this_week_not_a_week_past(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    factories.make_issue(
        newsletter=newsletter, created_by=alice, number=9, period_start=datetime.date(2026, 11, 16)
    )
    client.force_login(alice)

    suggestion = client.get(SUGGEST, {"newsletter": newsletter.pk}).json()

    assert (suggestion["number"], suggestion["period_start"], suggestion["period_end"]) == (
        "10",
        "2026-12-07",
        "2026-12-13",
    )
    # Deadlines as the form's fields take them, all after today.
    assert suggestion["planned_publication_at"] > "2026-12-13T"
    assert "2026-12-09" < suggestion["copy_deadline"] < suggestion["planned_publication_at"]


def test_the_deadlines_follow_the_period_typed(
    client: Client, alice: User, newsletter: Newsletter
) -> None:
    client.force_login(alice)
    end = datetime.date(2030, 3, 10)  # a Sunday
    publication = newsletter.next_publication(end)

    deadlines = client.get(SUGGEST, {"newsletter": newsletter.pk, "period_end": end}).json()

    assert set(deadlines) == {"copy_deadline", "review_deadline", "planned_publication_at"}
    assert deadlines["planned_publication_at"] == f"{publication:%Y-%m-%dT%H:%M}"
    assert deadlines["copy_deadline"] == (
        f"{publication - datetime.timedelta(days=3):%Y-%m-%dT%H:%M}"
    )
    nonsense = client.get(SUGGEST, {"newsletter": newsletter.pk, "period_end": "soon"}).json()
    assert "number" in nonsense  # not a date: the whole suggestion instead
