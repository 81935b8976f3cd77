"""Sources: list with story counts, add, edit, merge duplicates."""

from __future__ import annotations

from django.contrib.auth.models import User

from newsroom.models import Newsletter, Source
from tests import factories


def test_the_list_counts_the_stories_citing_each_source(
    client, alice: User, newsletter: Newsletter
) -> None:
    tribune = factories.make_source("Harbour Tribune")
    factories.make_source("Valley Gazette")
    for _ in range(3):
        factories.make_story(author=alice, newsletter=newsletter, source=tribune)
    client.force_login(alice)
    page = client.get("/desk/sources/").content.decode()
    assert '?source=Harbour%20Tribune">3</a>' in page
    assert "Valley Gazette" in page


def test_an_editor_adds_a_source(client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(
        "/desk/sources/new/",
        {"name": "Valley Gazette", "homepage": "https://gazette.example"},
        follow=True,
    )
    assert response.redirect_chain == [("/desk/sources/", 302)]
    assert "Added the source “Valley Gazette”." in response.content.decode()
    source = Source.objects.get()
    assert (source.name, source.homepage) == ("Valley Gazette", "https://gazette.example")


def test_a_duplicate_name_is_refused_whatever_its_case(client, alice: User) -> None:
    factories.make_source("Valley Gazette")
    client.force_login(alice)
    response = client.post("/desk/sources/new/", {"name": "valley gazette", "homepage": ""})
    assert "A source with this name already exists." in response.content.decode()
    assert Source.objects.count() == 1


def test_an_editor_renames_a_source(client, alice: User) -> None:
    source = factories.make_source("Valey Gazette")
    client.force_login(alice)
    response = client.post(
        f"/desk/sources/{source.pk}/edit/", {"name": "Valley Gazette", "homepage": ""}, follow=True
    )
    assert "Saved the source “Valley Gazette”." in response.content.decode()
    source.refresh_from_db()
    assert source.name == "Valley Gazette"
    assert Source.objects.count() == 1  # renamed, not added


def test_merging_moves_the_stories_and_deletes_the_duplicate(
    client, alice: User, newsletter: Newsletter
) -> None:
    keep = factories.make_source("Valley Gazette")
    duplicate = factories.make_source("The Valley Gazette")
    story = factories.make_story(author=alice, newsletter=newsletter, source=duplicate)
    client.force_login(alice)
    response = client.post(
        f"/desk/sources/{duplicate.pk}/merge/", {"target": "valley gazette"}, follow=True
    )
    assert "1 stories moved" in response.content.decode()
    assert not Source.objects.filter(pk=duplicate.pk).exists()
    story.refresh_from_db()
    assert (story.source, story.version) == (keep, 2)
    record = story.history.first()
    assert (record.source_id, record.history_user) == (keep.pk, alice)
    assert "merged into" in record.history_change_reason


def test_a_source_cannot_be_merged_into_itself(client, alice: User) -> None:
    source = factories.make_source("Valley Gazette")
    client.force_login(alice)
    response = client.post(f"/desk/sources/{source.pk}/merge/", {"target": "Valley Gazette"})
    assert response.status_code == 200
    assert "No other source is called “Valley Gazette”" in response.content.decode()
    assert Source.objects.filter(pk=source.pk).exists()


def test_reviewers_and_subscribers_do_not_manage_sources(client, bob: User, dave: User) -> None:
    source = factories.make_source("Valley Gazette")
    other = factories.make_source("Other")
    for user in (bob, dave):
        client.force_login(user)
        assert client.get("/desk/sources/").status_code == 403
        assert client.post("/desk/sources/new/", {"name": "X"}).status_code == 403
        assert client.post(f"/desk/sources/{source.pk}/edit/", {"name": "Y"}).status_code == 403
        merge = client.post(f"/desk/sources/{source.pk}/merge/", {"target": other.name})
        assert merge.status_code == 403
    assert sorted(Source.objects.values_list("name", flat=True)) == ["Other", "Valley Gazette"]


def test_a_missing_source_is_a_404(client, alice: User) -> None:
    client.force_login(alice)
    assert client.get("/desk/sources/999/edit/").status_code == 404
