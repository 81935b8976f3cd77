"""A correction follows every rule a story follows: the body's bounds (size
and depth, parsed as HTML5 does), no control characters, and the version it
was loaded from. Publishing it renders in the task queue's worker, never in
the web request that asked."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from issues.models.editions import Correction
from newsroom.review.workflow import Status
from tests.factories import client_for
from tests.test_corrections import RIGHT, desk, edit, start, submit
from tests.test_corrections import issue as issue  # a fixture
from tests.test_story_bounds import BODY_2MB, NESTED_10000, SELF_CLOSED_B, SELF_CLOSED_SPAN


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_text(correction: Correction, editor: User, **fields: object) -> Any:
    data = {
        "headline": correction.headline,
        "body": RIGHT,
        "note": correction.note,
        "version": correction.version,
        **fields,
    }
    url = reverse("issue_desk:correction", args=[correction.issue_id, correction.pk])
    return client_for(editor).post(url, data)


def unchanged(correction: Correction) -> tuple[object, ...]:
    fresh = Correction.objects.get(pk=correction.pk)
    return (fresh.headline, fresh.body, fresh.note, fresh.version, fresh.editors.count())


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (SELF_CLOSED_B, "The formatting is nested more than 30 levels deep"),
        (SELF_CLOSED_SPAN, "The formatting is nested more than 30 levels deep"),
        (NESTED_10000, "The text is 180,004 characters long including formatting;"),
        (BODY_2MB, "The text is 2,000,007 characters long including formatting;"),
    ],
    ids=["b-self-closed-x1500", "span-self-closed-x1100", "list-10000-deep", "body-2mb"],
)
def test_an_oversized_or_overdeep_body_is_refused_with_words(
    issue: Issue, alice: User, bob: User, body: str, words: str
) -> None:
    correction = start(issue, bob)
    before = unchanged(correction)
    response = post_text(correction, alice, body=body)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert unchanged(correction) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headline", "Port Avel signs\x1b[31m its cable contract"),
        ("note", "the value is 41 million\x07"),
        ("body", "<p>The board signed\ufffe a contract.</p>"),
    ],
)
def test_a_control_character_is_refused_with_words(
    issue: Issue, alice: User, bob: User, field: str, value: str
) -> None:
    correction = start(issue, bob)
    before = unchanged(correction)
    response = post_text(correction, alice, **{field: value})
    assert response.status_code == 200
    assert "Remove the invisible control character U+" in response.content.decode()
    assert unchanged(correction) == before


def test_an_edit_from_an_older_version_is_refused_and_nothing_saved(
    issue: Issue, alice: User, bob: User
) -> None:
    correction = start(issue, bob)
    stale = Correction.objects.get(pk=correction.pk)
    edit(correction, alice)  # version 2
    before = unchanged(correction)
    response = post_text(stale, alice, body="<p>An older text.</p>")
    assert response.status_code == 200
    assert "Someone changed this correction since you opened it" in response.content.decode()
    assert unchanged(correction) == before


def test_the_model_holds_the_bounds(issue: Issue, bob: User) -> None:
    # The model checks what it would store (its field sanitises first, which
    # drops <b> but keeps <strong>); the form checks what was typed.
    correction = start(issue, bob)
    correction.body = "<p>" + "<strong/>" * 200 + "text</p>"
    with pytest.raises(ValidationError) as refused:
        correction.full_clean()
    assert "nested more than 30 levels deep" in str(refused.value.message_dict["body"])


# The worker closes its database connection when done, so no test transaction.
@pytest.mark.django_db(transaction=True)
def test_publishing_is_queued_and_rendered_by_the_worker(
    issue: Issue, alice: User, bob: User, carol: User, settings: Any
) -> None:
    correction = start(issue, bob)
    edit(correction, alice)
    submit(correction, alice)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    client: Client = client_for(carol)
    response = client.post(desk("correction_publish", issue, correction.pk), follow=True)
    assert messages_of(response) == [
        "Publishing in the background: this page shows when it is done."
    ]
    assert "Publishing…" in response.content.decode()
    correction.refresh_from_db()
    assert correction.status == Status.REVIEW
    assert issue.editions.count() == 1  # nothing rendered in the request

    call_command("db_worker", batch=True, no_startup_delay=True, stdout=io.StringIO())

    response = client.get(correction.get_absolute_url())
    assert messages_of(response) == [
        "Published edition 2; readers who received the issue are told what changed."
    ]
    correction.refresh_from_db()
    assert correction.status == Status.PUBLISHED
    assert correction.edition is not None and correction.edition.number == 2
    assert client.get(correction.get_absolute_url()).context["pending_publication"] is False


def test_a_refused_publication_is_answered_at_once(issue: Issue, alice: User, bob: User) -> None:
    correction = start(issue, bob)
    edit(correction, alice)
    submit(correction, alice)
    response = client_for(bob).post(desk("correction_publish", issue, correction.pk), follow=True)
    assert messages_of(response) == ["You started this correction: a second reviewer publishes it."]
    correction.refresh_from_db()
    assert correction.status == Status.REVIEW
    assert issue.editions.count() == 1
