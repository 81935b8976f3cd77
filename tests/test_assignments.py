"""Assignments: an editor plans a story slot for someone; its writer turns it
into the story's first draft from the desk."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsroom.models import Newsletter, Story
from newsroom.models.planning import Assignment, DeskNotice
from newsroom.review.workflow import Status
from tests import factories
from tests.factories import client_for


def messages_of(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


@pytest.fixture
def slot(newsletter: Newsletter, alice: User, erin: User) -> Assignment:
    return Assignment.objects.create(
        headline="Harbour cable lands",
        newsletter=newsletter,
        assignee=erin,
        due_at=timezone.now() + datetime.timedelta(days=1),
        created_by=alice,
    )


def test_an_editor_assigns_a_story_to_another_editor(
    newsletter: Newsletter, alice: User, erin: User
) -> None:
    response = client_for(alice).post(
        reverse("desk:assignment_new"),
        {
            "headline": "Ferry tickets go quantum-safe",
            "newsletter": newsletter.pk,
            "assignee": erin.pk,
            "due_at": "2026-11-27T16:30",
            "note": "Ask the ferry company for numbers.",
        },
        follow=True,
    )
    assert messages_of(response) == ["Planned “Ferry tickets go quantum-safe” for erin."]
    slot = Assignment.objects.get()
    assert (slot.assignee, slot.created_by, slot.story) == (erin, alice, None)
    assert slot.due_at == datetime.datetime(2026, 11, 27, 16, 30, tzinfo=datetime.UTC)
    dashboard = client_for(erin).get(reverse("desk:dashboard"))
    assert list(dashboard.context["assigned"]) == [slot]
    assert "Write it" in dashboard.content.decode()


def test_the_person_a_slot_is_planned_for_is_told(
    newsletter: Newsletter,
    alice: User,
    erin: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = {
        "headline": "Ferry tickets go quantum-safe",
        "newsletter": newsletter.pk,
        "assignee": erin.pk,
        "due_at": "2026-11-27T16:30",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(reverse("desk:assignment_new"), data)
        client_for(erin).post(reverse("desk:assignment_new"), {**data, "headline": "Her own"})
    notice = DeskNotice.objects.get()  # not for the slot Erin planned herself
    assert notice.user == erin
    assert (
        notice.message
        == "alice planned “Ferry tickets go quantum-safe” for you, due 27 November, 16:30."
    )
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            [erin.email],
            "Planned for you: alice planned “Ferry tickets go quantum-safe” for you, due 27…",
        )
    ]
    dashboard = client_for(erin).get(reverse("desk:dashboard")).content.decode()
    assert "alice planned “Ferry tickets go quantum-safe” for you" in dashboard


def test_a_story_is_assigned_only_to_an_editor(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    response = client_for(alice).post(
        reverse("desk:assignment_new"),
        {
            "headline": "X",
            "newsletter": newsletter.pk,
            "assignee": bob.pk,
            "due_at": "2026-11-27T16:30",
        },
    )
    assert "assignee" in response.context["form"].errors
    assert not Assignment.objects.exists()


def test_a_reviewer_cannot_plan_stories(newsletter: Newsletter, bob: User) -> None:
    response = client_for(bob).get(reverse("desk:assignment_new"))
    assert response.status_code == 403


def test_writing_a_slot_makes_it_the_storys_first_draft(slot: Assignment, erin: User) -> None:
    response = client_for(erin).post(reverse("desk:assignment_write", args=[slot.pk]))
    slot.refresh_from_db()
    story = Story.objects.get()
    assert slot.story == story
    assert response.url == reverse("desk:story_edit", args=[story.pk])
    assert (story.headline, story.author, story.status) == (
        "Harbour cable lands",
        erin,
        Status.DRAFT,
    )
    first = story.history.earliest()
    assert first.history_user == erin
    assert first.history_change_reason == "Written from the slot planned by alice"
    assert slot.state == "Draft"


def test_only_the_assignee_writes_a_slot(slot: Assignment, alice: User) -> None:
    response = client_for(alice).post(reverse("desk:assignment_write", args=[slot.pk]), follow=True)
    assert messages_of(response) == ["This slot is assigned to erin; only they write it."]
    slot.refresh_from_db()
    assert slot.story is None
    assert not Story.objects.exists()


def test_a_slot_is_written_once(slot: Assignment, erin: User) -> None:
    client = client_for(erin)
    client.post(reverse("desk:assignment_write", args=[slot.pk]), follow=True)
    response = client.post(reverse("desk:assignment_write", args=[slot.pk]), follow=True)
    assert messages_of(response) == ["This slot has been written already: open its story."]
    assert Story.objects.count() == 1


def test_a_written_slot_cannot_be_dropped(slot: Assignment, erin: User, alice: User) -> None:
    client_for(erin).post(reverse("desk:assignment_write", args=[slot.pk]))
    response = client_for(alice).post(
        reverse("desk:assignment_delete", args=[slot.pk]), follow=True
    )
    assert messages_of(response) == ["This slot has been written: its story stays, and so does it."]
    assert Assignment.objects.filter(pk=slot.pk).exists()


def test_an_unwritten_slot_can_be_dropped(slot: Assignment, alice: User) -> None:
    client_for(alice).post(reverse("desk:assignment_delete", args=[slot.pk]))
    assert not Assignment.objects.exists()


def test_a_slot_is_overdue_until_its_story_is_submitted(
    slot: Assignment, erin: User, bob: User
) -> None:
    later = slot.due_at + datetime.timedelta(minutes=1)
    assert slot.is_overdue(later)
    assert list(Assignment.objects.overdue(later)) == [slot]
    story = slot.write(by=erin)
    story.body = "<p>Text.</p>"
    story.source = factories.make_source()
    story.save()
    from newsroom.review.workflow import SUBMIT, perform

    perform(story, SUBMIT, by=erin)
    slot.refresh_from_db()
    assert not slot.is_overdue(later)
    assert slot.state == "In review"
    assert not Assignment.objects.overdue(later).exists()


def edit_slot(client: Client, slot: Assignment, *, version: object, **fields: object) -> object:
    data = {
        "headline": slot.headline,
        "newsletter": slot.newsletter_id,  # type: ignore[attr-defined]
        "assignee": slot.assignee_id,  # type: ignore[attr-defined]
        "due_at": timezone.localtime(slot.due_at).strftime("%Y-%m-%dT%H:%M"),
        "note": slot.note,
        "version": version,
        **fields,
    }
    return client.post(reverse("desk:assignment_edit", args=[slot.pk]), data)


def test_a_slot_saved_meanwhile_is_not_overwritten_and_what_was_typed_is_kept(
    slot: Assignment, alice: User, erin: User
) -> None:
    opened = client_for(alice).get(reverse("desk:assignment_edit", args=[slot.pk]))
    assert 'name="version" value="1"' in opened.content.decode()
    saved = edit_slot(client_for(erin), slot, version=1, headline="Harbour cable lands late")
    assert saved.status_code == 302  # type: ignore[attr-defined]

    response = edit_slot(
        client_for(alice),
        slot,
        version=1,
        headline="Harbour cable: what it costs",
        note="Ask the port authority for the bill.",
    )

    assert response.status_code == 409  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert "Someone saved this slot while you were editing" in page
    assert "not saved" in page
    assert "Harbour cable lands late" in page  # the current version, shown
    assert 'value="Harbour cable: what it costs"' in page  # hers, in the form
    assert "Ask the port authority for the bill.</textarea>" in page
    assert 'name="version" value="2"' in page  # ready to save over the current version
    slot.refresh_from_db()
    assert (slot.headline, slot.note, slot.version) == ("Harbour cable lands late", "", 2)

    # She saves the merged slot against the current version.
    merged = edit_slot(client_for(alice), slot, version=2, note="Ask the port authority.")
    assert merged.status_code == 302  # type: ignore[attr-defined]
    slot.refresh_from_db()
    assert (slot.headline, slot.note, slot.version) == (
        "Harbour cable lands late",
        "Ask the port authority.",
        3,
    )


def test_a_slot_edit_without_its_version_is_refused_like_a_stale_one(
    slot: Assignment, alice: User
) -> None:
    response = edit_slot(client_for(alice), slot, version="", headline="Blind overwrite")
    assert response.status_code == 409  # type: ignore[attr-defined]
    slot.refresh_from_db()
    assert (slot.headline, slot.version) == ("Harbour cable lands", 1)


def test_an_invalid_slot_edit_keeps_what_was_typed_and_changes_nothing(
    slot: Assignment, alice: User, bob: User
) -> None:
    response = edit_slot(
        client_for(alice), slot, version=1, headline="Harbour cable: costs", assignee=bob.pk
    )
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert 'value="Harbour cable: costs"' in page
    slot.refresh_from_db()
    assert (slot.headline, slot.assignee, slot.version) == ("Harbour cable lands", slot.assignee, 1)


def test_a_slot_dropped_while_edited_keeps_what_was_typed_as_a_new_slot(
    slot: Assignment, alice: User, erin: User
) -> None:
    client = client_for(alice)
    client.get(reverse("desk:assignment_edit", args=[slot.pk]))
    slot_id = slot.pk
    slot.delete()  # Erin drops it meanwhile
    slot.pk = slot_id
    response = edit_slot(client, slot, version=1, headline="Harbour cable: what it costs")

    assert response.status_code == 409  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert "This slot was <strong>dropped</strong> while you were editing it" in page
    assert 'value="Harbour cable: what it costs"' in page
    assert f'action="{reverse("desk:assignment_new")}"' in page
    assert not Assignment.objects.exists()
    assert client.get(reverse("desk:assignment_edit", args=[slot_id])).status_code == 404
