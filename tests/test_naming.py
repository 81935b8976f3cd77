from __future__ import annotations

import pytest
from django.db import IntegrityError

from newsroom.models import Newsletter
from newsroom.naming import create_with_unique_name, first_free_name


def create(slug: str) -> Newsletter:
    return Newsletter.objects.create(title=f"Energy {slug}", slug=slug)


def slug_taken(slug: str) -> bool:
    return Newsletter.objects.filter(slug=slug).exists()


@pytest.mark.django_db
def test_it_takes_the_first_free_name() -> None:
    create("energy")
    create("energy-2")
    made = create_with_unique_name("energy", create=create, taken=slug_taken)
    assert made.slug == "energy-3"


@pytest.mark.django_db
def test_it_moves_on_when_a_concurrent_request_took_the_name_first() -> None:
    # The check said "free" (another request had not committed yet), then
    # the insert lost the race: the constraint decides, and the next name is used.
    create("energy")
    answers = iter([False])
    made = create_with_unique_name(
        "energy", create=create, taken=lambda slug: next(answers, slug_taken(slug))
    )
    assert made.slug == "energy-2"
    assert Newsletter.objects.filter(slug__startswith="energy").count() == 2


@pytest.mark.django_db
def test_an_integrity_error_for_another_reason_is_raised() -> None:
    Newsletter.objects.create(title="Energy", slug="other")
    with pytest.raises(IntegrityError):
        create_with_unique_name(
            "energy",
            create=lambda slug: Newsletter.objects.create(title="Energy", slug=slug),
            taken=slug_taken,
        )
    assert not Newsletter.objects.filter(slug="energy").exists()


@pytest.mark.django_db
def test_the_first_free_name_is_the_one_creating_would_take_now() -> None:
    create("energy")
    assert first_free_name("energy", taken=slug_taken) == "energy-2"
    made = create_with_unique_name("energy", create=create, taken=slug_taken)
    assert made.slug == "energy-2"
