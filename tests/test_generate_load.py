"""manage.py generate_load: realistic data in bulk, never beside real content."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from issues.desk.audience import is_publisher
from issues.models import Issue, IssueStory, Subscription
from issues.models.editions import Edition
from issues.models.licences import Licence, Organisation, Seat
from issues.models.reach import DownloadCount
from issues.readers import audience
from newsroom.models import Newsletter, Source, Story, StoryTransition
from newsroom.review.workflow import Status
from tests import factories

pytestmark = pytest.mark.django_db


def generate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate_load",
        "--stories=120",
        "--issues=10",
        "--subscribers=30",
        "--newsletters=2",
        *args,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_it_builds_a_publishers_years_and_says_so_in_one_line() -> None:
    out, progress = generate()

    assert out.count("\n") == 1
    assert out.startswith(
        "generated 2 newsletters, 10 sources, 120 stories, 10 issues (6 published),"
        " 30 subscribers, 1 organisation"
    )
    assert "stories" in progress and "120/120" in progress
    assert Newsletter.objects.filter(slug__startswith="load-r1-").count() == 2
    assert Story.objects.count() == 120
    assert Source.objects.count() == 10
    assert Issue.objects.filter(status=Status.PUBLISHED).count() == 6
    assert Issue.objects.filter(status=Status.REVIEW).count() == 2
    assert Issue.objects.filter(status=Status.DRAFT).count() == 2
    # Every story in an issue is approved, and carries its audit rows and first revision.
    in_issues = Story.objects.filter(issue_entries__isnull=False)
    assert in_issues.count() == IssueStory.objects.count() == 80
    assert not in_issues.exclude(status=Status.PUBLISHED).exists()
    assert StoryTransition.objects.filter(transition="publish").count() == (
        Story.objects.filter(status=Status.PUBLISHED).count()
    )
    assert Story.history.count() == 120  # type: ignore[attr-defined]
    # Drafts sent back carry the workflow's mark, at their request's instant.
    sent_back = StoryTransition.objects.filter(transition="request_changes")
    assert sent_back.exists()
    assert set(
        Story.objects.filter(sent_back_at__isnull=False).values_list("pk", "sent_back_at")
    ) == (set(sent_back.values_list("story_id", "at")))
    # Dates spread over years, not the second the command ran.
    oldest, newest = Story.objects.order_by("created_at").values_list("created_at", flat=True)[
        ::119
    ]
    assert (newest - oldest).days > 3000
    assert Subscription.objects.count() >= 30
    assert User.objects.filter(username__startswith="load-r1-reader-").count() == 30


def test_it_gives_the_publisher_an_audience_of_organisations_lapses_and_downloads() -> None:
    generate("--subscribers=250")

    publisher = User.objects.get(username="load-r1-publisher")
    assert is_publisher(publisher)
    # One organisation per hundred readers, each with a licence to one or
    # two newsletters, fifteen of whose twenty seats are taken.
    assert Organisation.objects.count() == 3
    for licence in Licence.objects.prefetch_related("newsletters", "seats_taken"):
        assert 1 <= licence.newsletters.count() <= 2
        assert (licence.seats, licence.seats_taken.count()) == (20, 15)
        # Each seat reads the licence's newsletters: its own subscription or the licence's.
        for seat in licence.seats_taken.all():
            held = Subscription.objects.filter(
                user=seat.user, newsletter__in=licence.newsletters.all()
            )
            assert held.count() == licence.newsletters.count()
        organisation = licence.organisation
        (contact,) = organisation.contacts.all()
        assert Seat.objects.filter(licence__organisation=organisation, user=contact).exists()
        assert contact.reader_profile.organisation == organisation.name
    assert Subscription.objects.filter(licence__isnull=False).exists()
    # Subscriptions ending soon and ended, beside those without an end.
    today = timezone.localdate()
    own = Subscription.objects.filter(licence__isnull=True)
    assert own.filter(ends_on__range=(today, today + datetime.timedelta(days=30))).exists()
    assert own.filter(ends_on__lt=today).exists()
    assert own.filter(ends_on__isnull=True).count() > own.count() * 0.8
    # Most readers downloaded something (the first always), the rest never did.
    readers = User.objects.filter(username__startswith="load-r1-reader-")
    downloaded = readers.filter(downloads__isnull=False).distinct().count()
    assert 0.4 * 250 < downloaded < 0.8 * 250
    assert DownloadCount.objects.filter(user__username="load-r1-reader-1").exists()
    assert not DownloadCount.objects.filter(day__gt=today).exists()
    # The first reader, whom the benchmarks read as, is a plain reader.
    assert not Seat.objects.filter(user__username="load-r1-reader-1").exists()
    assert not Subscription.objects.filter(
        user__username="load-r1-reader-1", ends_on__isnull=False
    ).exists()
    # The audience's kept totals follow the generator's bulk inserts.
    assert audience.differences() == {}


def test_published_issues_share_one_rendered_pdf_per_newsletter_that_a_subscriber_downloads() -> (
    None
):
    generate()

    published = Issue.objects.filter(status=Status.PUBLISHED).select_related("newsletter")
    assert Edition.objects.count() == published.count() == 6
    assert Edition.objects.values("pdf_file").distinct().count() == 2
    subscription = Subscription.objects.select_related("user", "newsletter").first()
    assert subscription is not None
    issue = published.filter(newsletter=subscription.newsletter).first()
    assert issue is not None
    client = Client()
    client.force_login(subscription.user)
    response = client.get(f"/issues/{issue.newsletter.slug}/{issue.number}.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_it_refuses_a_database_with_real_content_and_changes_nothing() -> None:
    factories.make_newsletter()

    with pytest.raises(CommandError, match="holds real content"):
        generate()

    assert Story.objects.count() == 0
    assert Newsletter.objects.count() == 1


def test_force_generates_beside_real_content() -> None:
    factories.make_newsletter()

    generate("--force")

    assert Newsletter.objects.filter(slug="ict").exists()
    assert Story.objects.count() == 120


def test_a_second_run_goes_beside_the_first_under_its_own_prefix() -> None:
    generate()
    out, _ = generate()  # generated content alone is not "real"

    assert "load-r2-*" in out
    assert Newsletter.objects.filter(slug__startswith="load-r2-").count() == 2
    assert Story.objects.count() == 240


def test_it_refuses_more_issues_than_the_stories_can_fill() -> None:
    with pytest.raises(CommandError, match="need at least"):
        call_command("generate_load", "--stories=10", "--issues=5", stdout=io.StringIO())

    assert Story.objects.count() == 0
