from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from issues.models import Issue
from newsroom import roles
from newsroom.models import Story
from newsroom.review.workflow import Status


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_a_user_per_role_whose_printed_login_works(rf) -> None:
    output = seed()

    assert "password for all: newsroom-demo" in output
    for username in ("admin", "editor", "reviewer", "subscriber"):
        assert username in output
        assert authenticate(rf.get("/"), username=username, password="newsroom-demo")
    assert roles.is_editor(User.objects.get(username="editor"))
    assert roles.is_reviewer(User.objects.get(username="reviewer"))
    assert User.objects.get(username="subscriber").subscriptions.count() == 1
    # The organisation's contact reads through a seat and manages its readers.
    contact = User.objects.get(username="contact")
    assert contact.organisations_contacted.get().name == "Meridian Port Authority"
    assert contact.subscriptions.filter(newsletter__slug="ict").exists()


@pytest.mark.django_db
def test_it_leaves_stories_and_issues_in_every_state() -> None:
    seed()

    for status in Status:
        assert Story.objects.filter(status=status).exists(), status
        assert Issue.objects.filter(status=status).exists(), status
    sent_back = Story.objects.drafts().exclude(transitions=None).get()
    assert sent_back.last_request_for_changes().comment
    assert list(Story.objects.sent_back()) == [sent_back]  # on the editor's dashboard
    published = Issue.objects.published().get()
    assert published.latest_edition.pdf_file and published.latest_edition.page_count == 1
    assert published.latest_edition.pdf_sha256 and published.latest_edition.html_sha256


@pytest.mark.django_db
def test_running_it_again_changes_nothing() -> None:
    seed()
    counts = (User.objects.count(), Story.objects.count(), Issue.objects.count())

    output = seed()

    assert "already there" in output
    assert (User.objects.count(), Story.objects.count(), Issue.objects.count()) == counts


@pytest.mark.django_db
def test_it_sends_no_mail_and_prints_the_logins_in_a_box(
    mailoutbox: list, django_capture_on_commit_callbacks: object
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call_command("seed_demo", "--serving", "http://127.0.0.1:8000/", stdout=out)

    assert mailoutbox == []
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    assert "│ Newsroom: http://127.0.0.1:8000/" in lines[1]
    assert len({len(line) for line in lines}) == 1  # a tidy box
    assert not any("Content-Type" in line for line in lines)


@pytest.mark.django_db
def test_it_plans_a_demo_week_with_an_overdue_slot_and_a_scheduled_issue() -> None:
    from newsroom.models.planning import Assignment

    seed()

    assert Assignment.objects.count() == 3
    assert Assignment.objects.overdue().count() == 1
    scheduled = Issue.objects.get(scheduled_for__isnull=False)
    assert scheduled.is_scheduled
    assert scheduled.transitions.filter(transition="schedule").exists()
    assert Issue.objects.filter(copy_deadline__isnull=False).count() == 2
