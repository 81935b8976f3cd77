"""The issue desk: create, build, order, preview, submit, publish.

Alice and Erin edit, Bob and Carol review, Dave subscribes.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from issues.models import Issue
from issues.rendering import documents
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import SUBMIT, Status, perform
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import make_published_stories, pdf_text, stored_files


def url(name: str, issue: Issue, *args: object) -> str:
    return reverse(f"issue_desk:{name}", args=[issue.pk, *args])


@pytest.fixture
def stories(newsletter: Newsletter, alice: User, bob: User) -> list[Story]:
    return make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=3)


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, stories: list[Story]) -> Issue:
    return factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories, number=3)


def order_of(issue: Issue) -> list[int]:
    return [story.pk for story in issue.ordered_stories()]


def messages_of(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


@pytest.mark.clock(datetime.datetime(2025, 12, 3, 9, 0, tzinfo=datetime.UTC))
def test_a_new_issue_suggests_the_next_number_and_the_week_after(issue: Issue, alice: User) -> None:
    response = client_for(alice).get(reverse("issue_desk:issue_create"))
    form = response.context["form"]
    assert form.initial["number"] == 4
    assert form.initial["period_start"] == datetime.date(2025, 12, 1)
    assert form.initial["period_end"] == datetime.date(2025, 12, 7)


def test_alice_creates_an_issue(newsletter: Newsletter, alice: User) -> None:
    response = client_for(alice).post(
        reverse("issue_desk:issue_create"),
        {
            "newsletter": newsletter.pk,
            "number": 1,
            "period_start": "2025-12-29",
            "period_end": "2026-01-04",
        },
        follow=True,
    )
    issue = Issue.objects.get()
    assert response.redirect_chain[-1][0] == url("issue_builder", issue)
    assert (issue.created_by, issue.status, issue.period) == (
        alice,
        Status.DRAFT,
        "29 December 2025 - 4 January 2026",
    )


def test_a_number_is_used_once_per_newsletter(issue: Issue, alice: User) -> None:
    response = client_for(alice).post(
        reverse("issue_desk:issue_create"),
        {
            "newsletter": issue.newsletter_id,
            "number": 3,
            "period_start": "2025-12-01",
            "period_end": "2025-12-07",
        },
    )
    assert "already has an issue with this number" in response.content.decode()
    assert Issue.objects.count() == 1


def test_a_reviewer_does_not_build_issues(
    issue: Issue, bob: User, stories: list[Story], newsletter: Newsletter, alice: User
) -> None:
    [spare] = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=1)
    client = client_for(bob)
    assert client.get(reverse("issue_desk:issue_create")).status_code == 403
    assert client.get(reverse("issue_desk:import")).status_code == 403
    refused = {
        name: client.post(url(name, issue, *args), data).status_code
        for name, args, data in [
            ("add_story", (), {"story": spare.pk}),
            ("remove_story", (stories[0].pk,), {}),
            ("move_story", (stories[0].pk,), {"direction": "down"}),
            ("set_order", (), {"order": f"{stories[2].pk},{stories[1].pk},{stories[0].pk}"}),
            ("issue_submit", (), {}),
        ]
    }
    assert set(refused.values()) == {403}
    assert order_of(issue) == [s.pk for s in stories]
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT and not issue.transitions.exists()


def test_a_subscriber_is_kept_off_the_desk(issue: Issue, dave: User) -> None:
    client = client_for(dave)
    assert client.get(reverse("issue_desk:issue_list")).status_code == 403
    for name in ("issue_builder", "page_count", "preview_html", "preview_pdf"):
        assert client.get(url(name, issue)).status_code == 403, name


def test_a_missing_issue_is_a_404(alice: User) -> None:
    assert client_for(alice).get(reverse("issue_desk:issue_builder", args=[999])).status_code == 404
    response = client_for(alice).post(reverse("issue_desk:issue_submit", args=[999]))
    assert response.status_code == 404


def test_alice_adds_an_approved_story(
    issue: Issue, alice: User, bob: User, newsletter: Newsletter
) -> None:
    [story] = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=1)
    response = client_for(alice).post(url("add_story", issue), {"story": story.pk}, follow=True)
    assert f"Added “{story.headline}”." in messages_of(response)
    assert order_of(issue)[-1] == story.pk
    assert issue.entries.get(story=story).position == 4


def test_a_story_not_yet_approved_cannot_be_added(
    issue: Issue, alice: User, newsletter: Newsletter
) -> None:
    draft = factories.make_story(author=alice, newsletter=newsletter, headline="Tide tables late")
    response = client_for(alice).post(url("add_story", issue), {"story": draft.pk}, follow=True)
    assert "“Tide tables late” is not approved yet." in messages_of(response)
    assert draft.pk not in order_of(issue)


def test_a_story_of_another_newsletter_cannot_be_added(
    issue: Issue, alice: User, bob: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    [story] = make_published_stories(newsletter=energy, author=alice, reviewer=bob, count=1)
    response = client_for(alice).post(url("add_story", issue), {"story": story.pk}, follow=True)
    assert "is written for another newsletter" in messages_of(response)[0]
    assert story.pk not in order_of(issue)


def test_a_story_already_in_another_issue_is_neither_offered_nor_added(
    issue: Issue, alice: User, bob: User, newsletter: Newsletter, stories: list[Story]
) -> None:
    other = factories.make_issue(newsletter=newsletter, created_by=alice, number=4)
    client = client_for(alice)

    response = client.post(url("add_story", other), {"story": stories[0].pk}, follow=True)

    assert "is already in issue no. 3" in messages_of(response)[0]
    assert other.entries.count() == 0
    page = client.get(url("issue_builder", other)).content.decode()
    assert stories[0].headline not in page


def test_stories_change_only_while_the_issue_is_a_draft(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    perform(issue, SUBMIT, by=alice)
    response = client_for(alice).post(url("remove_story", issue, stories[0].pk), follow=True)
    assert "only while the issue is a draft" in messages_of(response)[0]
    assert order_of(issue) == [s.pk for s in stories]


def test_the_up_and_down_buttons_move_a_story(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    client = client_for(alice)
    client.post(url("move_story", issue, stories[2].pk), {"direction": "up"})
    assert order_of(issue) == [stories[0].pk, stories[2].pk, stories[1].pk]
    client.post(url("move_story", issue, stories[0].pk), {"direction": "up"})
    assert order_of(issue) == [stories[0].pk, stories[2].pk, stories[1].pk]


def test_a_scripted_move_answers_where_the_story_went(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    client = client_for(alice)
    response = client.post(
        url("move_story", issue, stories[2].pk),
        {"direction": "up"},
        headers={"Accept": "application/json"},
    )
    order = [stories[0].pk, stories[2].pk, stories[1].pk]
    assert response.json() == {"ok": True, "position": 2, "count": 3, "order": order}
    assert order_of(issue) == order
    assert "from story 3 to story 2" in issue.transitions.first().comment


def test_a_scripted_move_in_an_issue_under_review_is_refused_in_words(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    perform(issue, SUBMIT, by=alice)
    response = client_for(alice).post(
        url("move_story", issue, stories[2].pk),
        {"direction": "up"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert "only while the issue is a draft" in response.json()["error"]
    assert order_of(issue) == [s.pk for s in stories]


def test_a_drag_and_drop_posts_the_new_order(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    new_order = [stories[1].pk, stories[2].pk, stories[0].pk]
    response = client_for(alice).post(
        url("set_order", issue),
        {"order": ",".join(map(str, new_order))},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"ok": True, "error": ""}
    assert order_of(issue) == new_order


def test_an_order_that_does_not_match_the_issue_is_refused(
    issue: Issue, alice: User, stories: list[Story]
) -> None:
    response = client_for(alice).post(
        url("set_order", issue),
        {"order": f"{stories[1].pk},{stories[0].pk}"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert "reload" in response.json()["error"]
    assert order_of(issue) == [s.pk for s in stories]


def test_alice_removes_a_story(issue: Issue, alice: User, stories: list[Story]) -> None:
    client_for(alice).post(url("remove_story", issue, stories[1].pk))
    assert order_of(issue) == [stories[0].pk, stories[2].pk]
    assert [e.position for e in issue.entries.all()] == [1, 2]


def test_the_page_count_is_the_pdf_as_it_stands(issue: Issue, erin: User) -> None:
    response = client_for(erin).get(url("page_count", issue))
    assert 'data-page-count="1"' in response.content.decode()
    assert "Fits one page" in response.content.decode()


def test_the_previews_render_on_demand_and_store_nothing(
    issue: Issue, bob: User, stories: list[Story], artifacts: Path
) -> None:
    client = client_for(bob)
    pdf = client.get(url("preview_pdf", issue))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf_text(pdf.content).count("Harbour Tribune") == 2
    html = client.get(url("preview_html", issue)).content.decode()
    assert all(story.headline in html for story in stories)
    assert not issue.editions.exists()
    assert stored_files(artifacts) == []


def test_alice_submits_the_issue(issue: Issue, alice: User) -> None:
    response = client_for(alice).post(url("issue_submit", issue), follow=True)
    assert "The issue is now waiting for a reviewer." in messages_of(response)
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert issue.transitions.get().by == alice


def test_an_empty_issue_is_not_submitted(newsletter: Newsletter, alice: User) -> None:
    empty = factories.make_issue(newsletter=newsletter, created_by=alice)
    response = client_for(alice).post(url("issue_submit", empty), follow=True)
    assert "needs at least one story" in messages_of(response)[0]
    empty.refresh_from_db()
    assert empty.status == Status.DRAFT and not empty.transitions.exists()


def test_requesting_changes_needs_a_comment(issue: Issue, alice: User, bob: User) -> None:
    perform(issue, SUBMIT, by=alice)
    client = client_for(bob)
    response = client.post(url("issue_request_changes", issue), {"comment": " "}, follow=True)
    assert "a comment is required" in messages_of(response)[0]
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    client.post(url("issue_request_changes", issue), {"comment": "Lead with the ferry story."})
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT
    assert issue.transitions.first().comment == "Lead with the ferry story."


def test_bob_publishes_from_the_desk(issue: Issue, alice: User, bob: User, artifacts: Path) -> None:
    perform(issue, SUBMIT, by=alice)
    response = client_for(bob).post(url("issue_publish", issue), follow=True)
    assert messages_of(response) == [f"Published {issue}."]
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    # The desk page is now the issue's record: its editions, each with its PDF.
    page = response.content.decode()
    assert "Edition 1, " in page
    assert f"/issues/{issue.newsletter.slug}/{issue.number}/edition-1.pdf" in page


def test_a_failed_publication_is_told_to_the_reviewer(
    issue: Issue, alice: User, bob: User, artifacts: Path
) -> None:
    perform(issue, SUBMIT, by=alice)
    with mock.patch.object(documents.pool, "run", side_effect=RuntimeError("no fonts")):
        response = client_for(bob).post(url("issue_publish", issue), follow=True)
    [message] = messages_of(response)
    assert message.startswith("Nothing was published.") and "server log" in message
    assert "no fonts" not in message  # the exception's text is for the log only
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert stored_files(artifacts) == []


def test_an_editor_cannot_publish_from_the_desk(issue: Issue, alice: User) -> None:
    perform(issue, SUBMIT, by=alice)
    assert client_for(alice).post(url("issue_publish", issue)).status_code == 403
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW


@pytest.mark.parametrize(
    "name",
    [
        "issue_submit",
        "issue_request_changes",
        "add_story",
        "set_order",
    ],
)
def test_actions_answer_only_post(name: str, issue: Issue, alice: User) -> None:
    assert client_for(alice).get(url(name, issue)).status_code == 405
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT and not issue.transitions.exists()


def test_an_editor_cannot_send_an_issue_back(issue: Issue, alice: User, erin: User) -> None:
    perform(issue, SUBMIT, by=alice)
    response = client_for(erin).post(url("issue_request_changes", issue), {"comment": "Shorter."})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW and issue.transitions.count() == 1


def test_the_render_issue_command_writes_html_and_pdf(issue: Issue, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "render_issue",
        str(issue.pk),
        "--html",
        str(tmp_path / "i.html"),
        "--pdf",
        str(tmp_path / "i.pdf"),
        stdout=out,
    )
    assert "(1 page)" in out.getvalue()
    assert len(PdfReader(tmp_path / "i.pdf").pages) == 1
    assert "<style>" in (tmp_path / "i.html").read_text()


# The worker closes its database connection when done, so no test transaction.
@pytest.mark.django_db(transaction=True)
def test_a_background_publication_is_reported_when_the_reviewer_comes_back(
    issue: Issue, alice: User, bob: User, artifacts: Path, settings: Any
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    perform(issue, SUBMIT, by=alice)
    client = client_for(bob)
    response = client.post(url("issue_publish", issue), follow=True)
    assert messages_of(response) == [
        "Publishing in the background: this page shows when it is done."
    ]
    assert "Publishing…" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW

    call_command("db_worker", batch=True, no_startup_delay=True, stdout=io.StringIO())

    response = client.get(url("issue_builder", issue))
    assert messages_of(response) == [f"Published {issue}."]
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert client.get(url("issue_builder", issue)).context["pending_publication"] is False
