"""No lost work: an edit made from an older version is refused, and kept."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User

from newsroom.models import Newsletter, Story
from newsroom.models.stories import REFUSED_EDIT_REASON, EditConflict
from newsroom.review.workflow import SUBMIT, Status, WorkflowError, perform
from tests import factories


def edit(client, story: Story, *, version: int, **fields: object):
    data = {
        "headline": story.headline,
        "body": story.body,
        "source": story.source.name if story.source else "",
        "new_source": "",
        "newsletter": story.newsletter_id,
        "original_url": "",
        "version": version,
        **fields,
    }
    return client.post(f"/desk/stories/{story.pk}/edit/", data)


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Ferry line gets electric boats",
        body="<p>Two electric ferries join the bay line in spring.</p>",
    )


def test_saving_over_a_newer_version_shows_the_conflict_page(
    client, story: Story, alice: User, erin: User
) -> None:
    client.force_login(erin)
    edit(client, story, version=1, headline="Ferry line gets three electric boats")
    client.force_login(alice)
    response = edit(client, story, version=1, body="<p>Alice's own <em>better</em> text.</p>")

    assert response.status_code == 409
    page = response.content.decode()
    assert "not saved" in page
    assert "Ferry line gets three electric boats" in page  # the current text
    assert "Alice&#x27;s own &lt;em&gt;better&lt;/em&gt; text." in page  # hers, in the form
    assert 'name="version" value="2"' in page  # ready to save over the current version
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Ferry line gets three electric boats", 2)
    assert "Two electric ferries" in story.body


def test_both_texts_are_kept_in_the_history(client, story: Story, alice: User, erin: User) -> None:
    client.force_login(erin)
    edit(client, story, version=1, headline="Erin's headline")
    client.force_login(alice)
    edit(client, story, version=1, headline="Alice's headline")

    refused = story.history.get(history_change_reason__startswith=REFUSED_EDIT_REASON)
    assert (refused.headline, refused.history_user, refused.version) == (
        "Alice's headline",
        alice,
        1,
    )
    assert story.history.filter(headline="Erin's headline", version=2).exists()
    history = client.get(f"/desk/stories/{story.pk}/history/").content.decode()
    assert "not applied" in history


def test_the_merged_text_saves_against_the_current_version(
    client, story: Story, alice: User, erin: User
) -> None:
    client.force_login(erin)
    edit(client, story, version=1, headline="Erin's headline")
    client.force_login(alice)
    edit(client, story, version=1, body="<p>Alice's body.</p>")
    # She merges: Erin's headline, her body.
    response = edit(
        client, story, version=2, headline="Erin's headline", body="<p>Alice's body.</p>"
    )

    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.body, story.version) == (
        "Erin's headline",
        "<p>Alice's body.</p>",
        3,
    )


def test_an_edit_refused_because_the_story_was_submitted_keeps_the_text(
    client, story: Story, alice: User, erin: User
) -> None:
    client.force_login(erin)
    page = client.get(f"/desk/stories/{story.pk}/edit/")  # opened while still a draft
    assert page.status_code == 200
    perform(story, SUBMIT, by=alice)
    response = edit(client, story, version=1, headline="Too late")
    assert response.status_code == 409
    page = response.content.decode()
    assert "This story is in review: you cannot change it now." in page
    assert 'value="Too late"' in page  # her text is still in the form
    story.refresh_from_db()
    assert (story.status, story.headline) == (Status.REVIEW, "Ferry line gets electric boats")


def test_save_edit_refuses_a_stale_version_directly(story: Story, erin: User) -> None:
    story.headline = "Stale"
    with pytest.raises(EditConflict) as raised:
        story.save_edit(by=erin, expected_version=0)
    assert raised.value.current.version == 1
    assert Story.objects.get(pk=story.pk).headline == "Ferry line gets electric boats"


def test_save_edit_refuses_a_story_that_left_the_editable_state(story: Story, alice: User) -> None:
    perform(story, SUBMIT, by=alice)
    story.headline = "Changed under review by an editor"
    with pytest.raises(WorkflowError, match="This story is in review: you cannot change it now"):
        story.save_edit(by=alice, expected_version=1)
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Ferry line gets electric boats", 1)


def conflict_for(client, story: Story, alice: User, erin: User) -> str:
    """Erin changes the headline; Alice, from version 1, changes the body."""
    client.force_login(erin)
    edit(client, story, version=1, headline="Ferry line gets three electric boats")
    client.force_login(alice)
    response = edit(
        client, story, version=1, body="<p>Two <strong>quiet</strong> ferries join in spring.</p>"
    )
    assert response.status_code == 409
    return response.content.decode()


def merge(client, story: Story, page: str, **fields: str):
    """Post the conflict page's form as shown, with `fields` changed."""
    import re

    data = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    data.update(
        {
            "headline": data["mine_headline"],
            "body": data["mine_body"],
            "source": data["mine_source"],
            "newsletter": data["mine_newsletter"],
            "original_url": data["mine_original_url"],
            "new_source": "",
            "version": "2",
        }
    )
    data.pop("csrfmiddlewaretoken", None)
    data.update(fields)
    return client.post(f"/desk/stories/{story.pk}/edit/", data)


def test_the_conflict_page_shows_the_difference_in_plain_words(
    client, story: Story, alice: User, erin: User
) -> None:
    page = conflict_for(client, story, alice, erin)

    assert "&lt;p&gt;" not in page.split('id="what-differs"')[1].split('id="your-text"')[0]
    assert "<ins>quiet ferries join in spring.</ins>" in page or "<ins>quiet</ins>" in page
    assert 'name="merge_headline"' in page and 'name="merge_body"' in page
    assert 'name="merge_source"' not in page  # only what differs is asked about


def test_a_merge_without_a_headline_choice_saves_nothing(
    client, story: Story, alice: User, erin: User
) -> None:
    page = conflict_for(client, story, alice, erin)

    response = merge(client, story, page, merge_body="mine")

    assert response.status_code == 400
    assert "Nothing was saved: choose which headline to keep." in response.content.decode()
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Ferry line gets three electric boats", 2)
    assert "Two electric ferries" in story.body


def test_a_merge_keeps_their_headline_and_my_body_when_so_chosen(
    client, story: Story, alice: User, erin: User
) -> None:
    page = conflict_for(client, story, alice, erin)

    response = merge(client, story, page, merge_headline="theirs", merge_body="mine")

    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Ferry line gets three electric boats", 3)
    assert "<strong>quiet</strong>" in story.body


def test_a_merge_as_edited_takes_the_text_of_the_form(
    client, story: Story, alice: User, erin: User
) -> None:
    page = conflict_for(client, story, alice, erin)

    response = merge(
        client,
        story,
        page,
        headline="Three quiet ferries for the bay",
        merge_headline="edit",
        merge_body="theirs",
    )

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Three quiet ferries for the bay"
    assert "Two electric ferries" in story.body
