"""The download's grant query compiled once per process
(newsroom/compiled.py) answers exactly as the ORM's query, for every
persona, and gives way to the ORM where it cannot be sure of doing so."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from issues.models import Issue, Subscription
from issues.models.editions import Edition
from issues.publishing.publish import store_edition
from issues.readers import access
from newsroom import roles
from newsroom.compiled import CompiledQuery
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish


def columns(instance: Model) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def loaded(edition: Edition | None) -> tuple[dict[str, Any], ...] | None:
    """Every column of the edition, its issue and its newsletter."""
    if edition is None:
        return None
    return columns(edition), columns(edition.issue), columns(edition.issue.newsletter)


def orm_answer(user_id: int, slug: str, number: int, edition: int | None) -> Edition | None:
    issues = access.granted_issues(user_id, access._published(slug, number))
    return access._editions_of(issues, edition).first()


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    """Issue 7 of ICT, corrected once: editions 1 and 2."""
    published = publish(newsletter, editor=alice, reviewer=bob, number=7)
    store_edition(
        issue=published,
        number=2,
        html=b"<!doctype html><title>issue 7, corrected</title>",
        pdf=factories.small_pdf(),
        by=alice,
        written=[],
        correction_note="The harbour cable lands in Port Avel, not Lowmarsh.",
    )
    return published


@pytest.fixture
def personas(newsletter: Newsletter, dave: User, alice: User, bob: User) -> list[User]:
    """A subscriber, the desk, and everyone who holds no grant to ICT."""
    today = timezone.localdate()
    other = factories.make_newsletter("Harbour and Shipping", "harbour")
    lapsed = factories.make_subscriber("lapsed")
    Subscription.objects.create(
        user=lapsed, newsletter=newsletter, ends_on=today - datetime.timedelta(days=1)
    )
    not_begun = factories.make_subscriber("not-begun")
    Subscription.objects.create(
        user=not_begun, newsletter=newsletter, starts_on=today + datetime.timedelta(days=1)
    )
    ending_today = factories.make_subscriber("ending-today")
    Subscription.objects.create(user=ending_today, newsletter=newsletter, ends_on=today)
    deactivated = factories.make_subscriber("deactivated", newsletter)
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    left_group = factories.make_subscriber("left-group", newsletter)
    left_group.groups.remove(Group.objects.get(name=roles.SUBSCRIBERS))
    elsewhere = factories.make_subscriber("elsewhere", other)
    return [dave, ending_today, lapsed, not_begun, deactivated, left_group, elsewhere, alice, bob]


def test_the_compiled_query_answers_as_the_orm_for_every_persona(
    issue: Issue, personas: list[User]
) -> None:
    asked = [
        (slug, number, edition)
        for slug, number in (("ict", issue.number), ("ict", 8), ("harbour", issue.number))
        for edition in (None, 1, 2, 3)
    ]
    granted = 0
    for persona in personas:
        for slug, number, edition in asked:
            answer = access._granted_edition(persona.pk, slug, number, edition)
            assert loaded(answer) == loaded(orm_answer(persona.pk, slug, number, edition)), (
                persona.username,
                slug,
                number,
                edition,
            )
            granted += answer is not None
    # dave and ending-today, each: the latest edition, edition 1, edition 2.
    assert granted == 6
    dave_latest = access._granted_edition(personas[0].pk, "ict", issue.number, None)
    assert dave_latest is not None and dave_latest.number == 2
    assert dave_latest.issue.newsletter.slug == "ict"


def test_the_compiled_query_is_taken_on_postgresql_only(issue: Issue, dave: User) -> None:
    """On PostgreSQL the test above compared the compiled query with the
    ORM; elsewhere the ORM answers alone."""
    rows = access._LATEST_GRANTED.rows(
        user_id=dave.pk, newsletter="ict", number=issue.number, today=timezone.localdate()
    )
    if connection.vendor == "postgresql":
        assert rows is not None and len(rows) == 1
        assert rows[0][0] == Edition.objects.get(issue=issue, number=2).pk
    else:
        assert rows is None


def test_a_value_the_orm_rewrites_is_not_bound(issue: Issue) -> None:
    """`contains` sends "%ict%", not the value: the stand-in is not among
    the parameters, so the query gives way to the ORM."""
    query = CompiledQuery(
        lambda slug: Issue.objects.filter(newsletter__slug__contains=slug).values_list("pk"),
        slug="stand-in",
    )
    assert query.rows(slug="ict") is None


def test_a_number_too_big_for_its_column_is_asked_of_the_orm(issue: Issue, dave: User) -> None:
    """A 23-digit issue number in an address: not bound (psycopg could not
    send it as the column's integer), so the ORM answers it, as matching
    nothing, and the reader gets a 404, never a 500."""
    too_big = 10**22
    assert (
        access._LATEST_GRANTED.rows(
            user_id=dave.pk, newsletter="ict", number=too_big, today=timezone.localdate()
        )
        is None
    )
    response = factories.client_for(dave).get(f"/issues/ict/{too_big}.pdf")
    assert response.status_code == 404


def test_the_download_reads_the_edition_the_compiled_query_found(
    issue: Issue, dave: User, alice: User
) -> None:
    """Through the view, for the subscriber (the compiled query) and the
    desk (the ORM, through the role)."""
    for reader in (dave, alice):
        client = factories.client_for(reader)
        latest = client.get(f"/issues/ict/{issue.number}.pdf")
        first = client.get(f"/issues/ict/{issue.number}/edition-1.pdf")
        assert latest.status_code == first.status_code == 200
        editions = {e.number: e for e in issue.editions.all()}  # type: ignore[attr-defined]
        assert latest["ETag"] == f'"{editions[2].pdf_sha256}"'
        assert first["ETag"] == f'"{editions[1].pdf_sha256}"'
        assert b"".join(latest.streaming_content) == editions[2].pdf_file.open("rb").read()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan_cache_mode is PostgreSQL's")
def test_the_generic_plan_is_for_the_grant_query_alone(issue: Issue, dave: User) -> None:
    """The grant query is planned once per connection; every other query
    keeps the connection's plan for each execution."""
    assert access._granted_edition(dave.pk, "ict", issue.number, None) is not None
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_custom_plan",)
