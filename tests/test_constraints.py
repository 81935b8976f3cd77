"""What the database itself refuses, each rule broken once."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from issues.models import Issue, IssueStory
from issues.models.editions import Edition
from newsroom.models import Newsletter, Source, Story
from newsroom.review.workflow import Status
from tests import factories


def test_source_names_are_unique_whatever_their_case(db: None) -> None:
    Source.objects.create(name="Harbour Tribune")

    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(name="HARBOUR tribune")

    with pytest.raises(ValidationError, match="already exists"):
        Source(name="harbour TRIBUNE").full_clean()


def test_an_issue_number_is_unique_within_its_newsletter(
    alice: User, newsletter: Newsletter
) -> None:
    factories.make_issue(newsletter=newsletter, created_by=alice, number=7)
    other = factories.make_newsletter("Energy and Utilities", "energy")
    factories.make_issue(newsletter=other, created_by=alice, number=7)  # fine elsewhere

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_issue(newsletter=newsletter, created_by=alice, number=7)
    assert Issue.objects.filter(newsletter=newsletter).count() == 1


def test_a_period_cannot_end_before_it_starts(alice: User, newsletter: Newsletter) -> None:
    start = datetime.date(2025, 11, 24)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_issue(
            newsletter=newsletter,
            created_by=alice,
            period_start=start,
            period_end=start - datetime.timedelta(days=1),
        )

    issue = Issue(
        newsletter=newsletter,
        number=1,
        period_start=start,
        period_end=start - datetime.timedelta(days=1),
        created_by=alice,
    )
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        issue.full_clean()


def test_a_story_appears_at_most_once_in_an_issue(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])

    with pytest.raises(IntegrityError), transaction.atomic():
        IssueStory.objects.create(issue=issue, story=story, position=2)
    assert issue.entries.count() == 1


def test_a_published_story_has_a_publication_date(alice: User, newsletter: Newsletter) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)

    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=story.pk).update(status=Status.PUBLISHED, published_at=None)
    story.refresh_from_db()
    assert story.status == Status.DRAFT


def test_a_published_issue_has_a_publication_date(alice: User, newsletter: Newsletter) -> None:
    issue = factories.make_issue(newsletter=newsletter, created_by=alice)

    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(status=Status.PUBLISHED, published_at=None)
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT


def test_an_edition_has_its_stored_documents(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = factories.make_issue(newsletter=newsletter, created_by=alice)

    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.create(
            issue=issue,
            number=1,
            pdf_file="ict/0001.pdf",
            html_file="",
            pdf_sha256="0" * 64,
            html_sha256="",
            pdf_size=1,
            page_count=1,
            published_at=timezone.now(),
            published_by=bob,
        )
    assert not issue.editions.exists()


def test_a_story_body_is_sanitised_whichever_way_it_is_saved(
    alice: User, newsletter: Newsletter
) -> None:
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        body='<p onclick="steal()">Fine <strong>words</strong><script>alert(1)</script></p>',
    )

    story.refresh_from_db()
    assert story.body == "<p>Fine <strong>words</strong></p>"


def test_issue_numbers_start_at_one(alice: User, newsletter: Newsletter) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_issue(newsletter=newsletter, created_by=alice, number=0)

    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Issue(
            newsletter=newsletter,
            number=0,
            period_start=datetime.date(2025, 11, 24),
            period_end=datetime.date(2025, 11, 30),
            created_by=alice,
        ).full_clean()
