"""Revisions: who changed what and when, a diff between any two, restore."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from newsroom.models import Newsletter, Story
from newsroom.review.workflow import Status
from tests import factories


@pytest.fixture
def story(alice: User, erin: User, newsletter: Newsletter) -> Story:
    """Written by Alice, then rewritten by Erin: two revisions."""
    story = factories.make_story(
        author=alice,
        newsletter=newsletter,
        headline="Tram depot gets solar roof",
        body="<p>The depot roof now carries four hundred panels.</p>",
    )
    story.headline = "Tram depot gets a bigger solar roof"
    story.body = "<p>The depot roof now carries <strong>six</strong> hundred panels.</p>"
    story._history_user = erin
    story.save_edit(by=erin, expected_version=1)
    return story


def test_the_history_lists_every_revision_and_the_transitions(
    client, story: Story, alice: User, bob: User
) -> None:
    client.force_login(bob)
    page = client.get(f"/desk/stories/{story.pk}/history/").content.decode()
    assert page.count('name="a"') == 2
    assert "Created" in page
    assert "<td>erin</td>" in page
    assert "No transitions yet." in page


def test_the_diff_shows_what_changed_between_two_revisions(client, story: Story, bob) -> None:
    old, new = story.history.order_by("history_date")
    client.force_login(bob)
    page = client.get(
        f"/desk/stories/{story.pk}/history/diff/", {"a": new.history_id, "b": old.history_id}
    ).content.decode()
    assert "<del>four</del>" in page
    assert "<ins>six</ins>" in page  # as rendered text, not tags
    assert "&lt;strong&gt;" not in page and "&lt;p&gt;" not in page
    assert "<ins>a bigger </ins>" in page


def test_the_history_compares_the_two_latest_text_revisions_by_default(
    client, story: Story, alice: User, bob: User
) -> None:
    from newsroom.review.workflow import SUBMIT, perform

    perform(story, SUBMIT, by=alice)  # a revision that changes only the status
    created, edited = story.history.filter(history_type__in=["+", "~"]).order_by("history_date")[:2]
    client.force_login(bob)

    page = client.get(f"/desk/stories/{story.pk}/history/").content.decode()

    assert (
        f'name="a" value="{created.history_id}" aria-label="Compare from this revision" checked'
        in page
    )
    assert (
        f'name="b" value="{edited.history_id}" aria-label="Compare to this revision" checked'
        in page
    )


def test_a_diff_of_another_storys_revision_is_a_404(client, story: Story, alice, newsletter):
    other = factories.make_story(author=alice, newsletter=newsletter)
    client.force_login(alice)
    response = client.get(
        f"/desk/stories/{story.pk}/history/diff/",
        {"a": other.history.get().history_id, "b": story.history.first().history_id},
    )
    assert response.status_code == 404


def test_restoring_an_old_revision_makes_a_new_version(client, story: Story, alice) -> None:
    first = story.history.order_by("history_date").first()
    client.force_login(alice)
    response = client.post(
        f"/desk/stories/{story.pk}/history/{first.history_id}/restore/", {"version": 2}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.version, story.status) == (
        "Tram depot gets solar roof",
        3,
        Status.DRAFT,
    )
    latest = story.history.first()
    assert latest.history_user == alice
    assert latest.history_change_reason.startswith("Restored the revision")
    assert story.history.count() == 3  # nothing in between was lost


def test_a_stale_restore_changes_nothing(client, story: Story, alice) -> None:
    first = story.history.order_by("history_date").first()
    client.force_login(alice)
    response = client.post(
        f"/desk/stories/{story.pk}/history/{first.history_id}/restore/", {"version": 1}, follow=True
    )
    assert "changed while you looked" in response.content.decode()
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Tram depot gets a bigger solar roof", 2)


def test_a_published_story_cannot_be_restored(client, alice, bob, newsletter) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    record = story.history.order_by("history_date").first()
    client.force_login(alice)
    response = client.post(
        f"/desk/stories/{story.pk}/history/{record.history_id}/restore/", {"version": 1}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert (story.status, story.version) == (Status.PUBLISHED, 1)


def test_restore_is_post_only(client, story: Story, alice) -> None:
    record = story.history.first()
    client.force_login(alice)
    response = client.get(f"/desk/stories/{story.pk}/history/{record.history_id}/restore/")
    assert response.status_code == 405
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Tram depot gets a bigger solar roof", 2)


def test_subscribers_see_no_history_and_restore_nothing(client, story: Story, dave) -> None:
    first = story.history.order_by("history_date").first()
    client.force_login(dave)
    assert client.get(f"/desk/stories/{story.pk}/history/").status_code == 403
    restore = f"/desk/stories/{story.pk}/history/{first.history_id}/restore/"
    assert client.post(restore, {"version": 2}).status_code == 403
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Tram depot gets a bigger solar roof", 2)


def test_a_stale_restore_leaves_no_trace_in_the_history(client, story: Story, alice) -> None:
    first = story.history.order_by("history_date").first()
    client.force_login(alice)
    client.post(f"/desk/stories/{story.pk}/history/{first.history_id}/restore/", {"version": 1})
    assert story.history.count() == 2


def test_only_revisions_that_differ_from_now_offer_a_restore(client, story: Story, alice) -> None:
    client.force_login(alice)
    page = client.get(f"/desk/stories/{story.pk}/history/").content.decode()
    assert page.count(">Restore</button>") == 1
