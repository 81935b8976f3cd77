"""Editions: a published issue's stored documents, frozen once stored."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.editions import Edition, FrozenEdition
from newsroom.models import Newsletter
from tests.issue_helpers import publish

BEFORE_EDITIONS = [("issues", "0006_issue_renderer_version")]


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=4)


def test_publishing_stores_edition_one_with_who_published_it(issue: Issue, bob: User) -> None:
    edition = issue.editions.get()
    assert edition.number == 1
    assert edition.published_by == bob
    assert edition.published_at == issue.published_at
    assert edition.correction_note == ""
    assert issue.latest_edition == edition


def test_a_stored_edition_cannot_be_changed_or_deleted(issue: Issue) -> None:
    edition = issue.editions.get()
    edition.pdf_sha256 = "0" * 64
    with pytest.raises(FrozenEdition):
        edition.save()
    with pytest.raises(FrozenEdition):
        edition.delete()
    with pytest.raises(FrozenEdition):
        Edition.objects.filter(pk=edition.pk).update(pdf_sha256="0" * 64)
    with pytest.raises(FrozenEdition):
        Edition.objects.filter(pk=edition.pk).delete()
    assert Edition.objects.get(pk=edition.pk).pdf_sha256 == issue.latest_edition.pdf_sha256


def test_the_admin_shows_editions_read_only_and_deletes_none(
    client: Client, issue: Issue, admin_user: User
) -> None:
    edition = issue.editions.get()
    client.force_login(admin_user)
    change = reverse("admin:issues_edition_change", args=[edition.pk])
    page = client.get(change)
    assert page.status_code == 200 and edition.pdf_sha256 in page.content.decode()
    assert client.post(change, {"correction_note": "rewritten"}).status_code == 403
    delete = reverse("admin:issues_edition_delete", args=[edition.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:issues_edition_add")).status_code == 403
    bulk = client.post(
        reverse("admin:issues_edition_changelist"),
        {"action": "delete_selected", "_selected_action": [edition.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Edition.objects.filter(pk=edition.pk, correction_note="").exists()


def test_an_edition_can_be_downloaded_by_its_number(
    client: Client, dave: User, issue: Issue
) -> None:
    client.force_login(dave)
    args = [issue.newsletter.slug, issue.number]
    first = client.get(reverse("issues:edition_pdf", args=[*args, 1]))
    with issue.latest_edition.pdf_file.open("rb") as stored:
        assert b"".join(first.streaming_content) == stored.read()  # type: ignore[attr-defined]
    assert client.get(reverse("issues:edition_pdf", args=[*args, 2])).status_code == 404
    assert client.get(reverse("issues:edition_html", args=[*args, 2])).status_code == 404


def test_an_edition_of_an_issue_one_may_not_read_is_a_404(
    client: Client, issue: Issue, alice: User
) -> None:
    stranger = User.objects.create_user("mallory", password="x")
    client.force_login(stranger)
    url = reverse("issues:edition_pdf", args=[issue.newsletter.slug, issue.number, 1])
    assert client.get(url).status_code == 404


def migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_a_published_issue_of_the_previous_release_becomes_edition_one() -> None:
    old = migrate(BEFORE_EDITIONS).loader.project_state(BEFORE_EDITIONS).apps
    user = old.get_model("auth", "User").objects.create(username="carol")
    newsletter = old.get_model("newsroom", "Newsletter").objects.create(
        title="Energy", slug="energy"
    )
    published_at = datetime.datetime(2025, 11, 30, 9, tzinfo=datetime.UTC)
    fields = {
        "newsletter": newsletter,
        "period_start": datetime.date(2025, 11, 24),
        "period_end": datetime.date(2025, 11, 30),
        "created_by": user,
    }
    issue_model = old.get_model("issues", "Issue")
    published = issue_model.objects.create(
        number=3,
        status="published",
        published_at=published_at,
        html_file="energy/0003-abc.html",
        pdf_file="energy/0003-abc.pdf",
        html_sha256="a" * 64,
        pdf_sha256="b" * 64,
        pdf_size=12345,
        page_count=2,
        renderer_version="WeasyPrint 68.0",
        **fields,
    )
    old.get_model("issues", "IssueTransition").objects.create(
        issue=published, transition="publish", from_status="review", to_status="published", by=user
    )
    draft = issue_model.objects.create(number=4, **fields)

    migrate()

    edition = Edition.objects.get(issue_id=published.pk)
    assert (edition.number, edition.pdf_file.name, edition.html_file.name) == (
        1,
        "energy/0003-abc.pdf",
        "energy/0003-abc.html",
    )
    assert (edition.pdf_sha256, edition.html_sha256) == ("b" * 64, "a" * 64)
    assert (edition.pdf_size, edition.page_count) == (12345, 2)
    assert edition.renderer_version == "WeasyPrint 68.0"
    assert edition.published_at == published_at
    assert edition.published_by_id == user.pk
    assert not Edition.objects.filter(issue_id=draft.pk).exists()
