"""The archive at /issues/: grouped, newest first, searchable, paginated."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues import views
from issues.models import Subscription
from newsroom.models import Newsletter
from newsroom.review.workflow import Status
from tests import factories
from tests.issue_helpers import publish


def test_the_archive_groups_a_readers_issues_by_newsletter_newest_first(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    Subscription.objects.create(user=dave, newsletter=energy)
    older = publish(
        newsletter, editor=alice, reviewer=bob, headlines=("Tidewater buys a supercomputer",)
    )
    newer = publish(
        newsletter,
        editor=alice,
        reviewer=bob,
        headlines=("Lowmarsh opens a chip school",),
        period_start=datetime.date(2025, 12, 1),
    )
    publish(energy, editor=alice, reviewer=bob, headlines=("Offshore wind farm doubles",))
    factories.make_issue(newsletter=newsletter, created_by=alice)
    client.force_login(dave)

    page = client.get(reverse("issues:archive")).text

    # Energy before ICT (by title); within ICT, 1 - 7 December before 24 - 30 November.
    order = [
        page.index("Offshore wind farm doubles"),
        page.index(f'href="{newer.get_absolute_url()}">1 - 7 December 2025'),
        page.index(f'href="{older.get_absolute_url()}">24 - 30 November 2025'),
    ]
    assert order == sorted(order)
    assert page.index("<h2") < page.index("Energy</h2>") < page.index(f"{newsletter.title}</h2>")
    assert f"{older.latest_edition.page_count} page" in page
    assert reverse("issues:issue_pdf", args=["ict", older.number]) in page
    assert "PDF, " in page  # with its size
    assert page.count("<article") == 3  # the draft is not there

    # Search finds the story and marks it; other issues drop out.
    found = client.get(reverse("issues:archive"), {"q": "chip school"}).text
    assert "1 issue with stories matching" in found
    assert "<mark>Lowmarsh opens a chip school</mark>" in found
    assert "Tidewater" not in found and "Offshore" not in found

    # Twenty to a page in life; one here, to see the pages turn.
    monkeypatch.setattr(views, "ISSUES_PER_PAGE", 1)
    first = client.get(reverse("issues:archive"), {"newsletter": "ict"}).text
    second = client.get(reverse("issues:archive"), {"newsletter": "ict", "page": 2}).text
    assert "Lowmarsh" in first and "Tidewater" not in first
    assert "Page 1 of 2" in first and "newsletter=ict&amp;page=2" in first
    assert "Tidewater" in second and "Lowmarsh" not in second


def test_search_finds_nothing_outside_the_readers_newsletters(
    client: Client, alice: User, bob: User, dave: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    story = factories.make_story(
        author=alice,
        newsletter=energy,
        status=Status.PUBLISHED,
        reviewer=bob,
        headline="Secret grid deal in Lowmarsh",
    )
    factories.make_issue(newsletter=energy, created_by=alice, stories=[story])
    client.force_login(dave)

    page = client.get(reverse("issues:archive"), {"q": "grid deal"}).text

    assert "No published story matches “grid deal”" in page
    assert "Secret grid deal" not in page
