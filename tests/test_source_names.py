"""Source fields: a name typed (with suggestions from the server), never a
<select> of every source."""

from __future__ import annotations

from django.contrib.auth.models import User

from newsroom.models import Newsletter, Source, Story
from newsroom.models.stories import SUGGESTED_SOURCES
from tests import factories

NAMES = "/desk/sources/names/"


def story_data(newsletter: Newsletter, **fields: object) -> dict[str, object]:
    return {
        "headline": "Island council switches on free wifi",
        "body": "<p>The island council switched on free public wifi.</p>",
        "source": "",
        "new_source": "",
        "newsletter": newsletter.pk,
        "original_url": "",
        **fields,
    }


def test_suggestions_start_with_the_typed_text_then_contain_it(client, alice: User) -> None:
    for name in ("Daily Mirror", "China Daily", "Dairy Herald", "Harbour Tribune"):
        factories.make_source(name)
    client.force_login(alice)
    response = client.get(NAMES, {"q": "dai"})
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"sources": ["Daily Mirror", "Dairy Herald", "China Daily"]}


def test_suggestions_are_bounded_whatever_the_number_of_sources(client, alice: User) -> None:
    Source.objects.bulk_create(
        Source(name=f"Tribune {n:03}") for n in range(SUGGESTED_SOURCES + 30)
    )
    client.force_login(alice)
    for text in ("", "trib", "0"):
        names = client.get(NAMES, {"q": text}).json()["sources"]
        assert len(names) == SUGGESTED_SOURCES
    assert client.get(NAMES, {"q": "trib"}).json()["sources"][:2] == ["Tribune 000", "Tribune 001"]


def test_suggestions_are_for_the_desk_only(client, bob: User, dave: User) -> None:
    factories.make_source("Harbour Tribune")
    assert client.get(NAMES, {"q": "har"})["Location"].startswith("/accounts/login/")
    client.force_login(dave)
    assert client.get(NAMES, {"q": "har"}).status_code == 403
    client.force_login(bob)  # a reviewer filters the story list by source
    assert client.get(NAMES, {"q": "har"}).json() == {"sources": ["Harbour Tribune"]}
    assert client.post(NAMES, {"q": "har"}).status_code == 405


def test_the_story_form_takes_a_known_source_by_name_in_any_case(
    client, alice: User, newsletter: Newsletter
) -> None:
    tribune = factories.make_source("Harbour Tribune")
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter, source=" harbour TRIBUNE"))
    assert response.status_code == 302
    assert Story.objects.get().source == tribune
    edit = client.get(f"/desk/stories/{Story.objects.get().pk}/edit/").content.decode()
    assert 'value="Harbour Tribune"' in edit
    assert 'list="id_source-names"' in edit
    assert '<datalist id="id_source-names"></datalist>' in edit
    assert '<select name="source"' not in edit


def test_an_unknown_source_is_refused_with_what_to_do_and_the_text_kept(
    client, alice: User, newsletter: Newsletter
) -> None:
    factories.make_source("Harbour Tribune")
    client.force_login(alice)
    response = client.post("/desk/stories/new/", story_data(newsletter, source="Harbor Tribune"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No source is called “Harbor Tribune”: pick one of the suggestions, " in page
    assert "or add it as a new source in the next field." in page
    assert 'value="Harbor Tribune"' in page
    assert "Island council switches on free wifi" in page
    assert not Story.objects.exists()
    assert list(Source.objects.values_list("name", flat=True)) == ["Harbour Tribune"]


def test_the_story_list_filters_by_a_source_name_and_says_when_it_is_unknown(
    client, alice: User, newsletter: Newsletter
) -> None:
    gazette = factories.make_source("Valley Gazette")
    factories.make_story(author=alice, newsletter=newsletter, headline="Tribune story")
    factories.make_story(
        author=alice, newsletter=newsletter, headline="Gazette story", source=gazette
    )
    client.force_login(alice)
    page = client.get("/desk/stories/", {"source": "valley gazette"}).content.decode()
    assert "Gazette story" in page
    assert "Tribune story" not in page
    page = client.get("/desk/stories/", {"source": "Valley Gazete"}).content.decode()
    assert "No source is called “Valley Gazete”" in page
    assert "Gazette story" not in page and "Tribune story" not in page
    sources = client.get("/desk/sources/").content.decode()
    assert '/desk/stories/?source=Valley%20Gazette"' in sources
