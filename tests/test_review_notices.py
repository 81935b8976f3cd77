"""Mail about review threads: one message per person for what happened meanwhile."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult

from newsroom.models import Newsletter, Story
from newsroom.models.comments import Comment
from newsroom.models.notices import Notice
from newsroom.review.comments import comment_on_passage, reply, resolve
from newsroom.review.workflow import Status
from tests import factories
from tests.factories import client_for

BODY = "<p>Exports of cloud services rose 40% in a year, the ministry said on Monday.</p>"


@pytest.fixture
def deferring_queue(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "mail"],
        }
    }
    backend = task_backends["default"]
    backend.clear()
    return backend


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(
        author=alice, newsletter=newsletter, body=BODY, status=Status.REVIEW
    )


def run_all(backend) -> list[int]:
    return [result.task.call(*result.args, **result.kwargs) for result in backend.results]


def test_five_comments_in_a_minute_reach_the_author_as_one_mail(
    story, alice, bob, deferring_queue, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    words = ["cloud", "services", "rose", "ministry", "Monday"]
    with django_capture_on_commit_callbacks(execute=True):
        for word in words:
            comment_on_passage(story, text=f"About {word}?", quote=word, by=bob)
    results = deferring_queue.results
    assert len(results) == 5
    assert all(r.kwargs == {"email": "alice@example.org"} for r in results)
    assert all(r.task.run_after - r.enqueued_at > datetime.timedelta(seconds=55) for r in results)
    assert run_all(deferring_queue) == [1, 0, 0, 0, 0]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert (mail.to, mail.subject) == (["alice@example.org"], "[Newsroom] 5 review notes")
    for word in words:
        assert f"bob commented on “{word}”" in mail.body and f"About {word}?" in mail.body
    assert not Notice.objects.filter(sent_at__isnull=True).exists()


def test_a_reply_reaches_everyone_in_the_thread_but_its_writer(
    story, alice, bob, carol, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        thread = comment_on_passage(story, text="Source?", quote="rose 40%", by=bob)
        reply(thread, text="Seconded.", by=carol)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply(thread, text="The ministry's release.", by=alice)
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@example.org", "carol@example.org"]
    assert all("alice replied on “rose 40%”" in m.body for m in mailoutbox)


def test_a_resolved_thread_is_announced_to_its_people(
    story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    thread = comment_on_passage(story, text="Source?", quote="rose 40%", by=bob)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resolve(thread, by=alice)
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]
    assert "alice resolved the thread on “rose 40%”" in mailoutbox[0].body


def test_nothing_is_mailed_for_a_comment_that_was_rolled_back(
    story, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comment_on_passage(story, text="Source?", quote="rose 40%", by=bob)
        raise RuntimeError
    assert mailoutbox == []
    assert not Comment.objects.exists() and not Notice.objects.exists()


def test_an_answer_to_an_outside_reviewer_reaches_them_without_a_desk_link(
    story, alice, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    thread = comment_on_passage(story, text="Source?", quote="rose 40%", email="x@ngo.example")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply(thread, text="The ministry's release.", by=alice)
    (mail,) = mailoutbox
    assert mail.to == ["x@ngo.example"]
    assert "alice replied on “rose 40%”" in mail.body
    assert "/desk/" not in mail.body and "open the review link" in mail.body


# Committed for real: the worker closes connections it finds past their age,
# and travelling in time ages the test's own (on PostgreSQL, inside a test
# transaction that would close it under the test).
START = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.clock(START - datetime.timedelta(hours=1))  # the story is written before
def test_on_the_database_queue_five_comments_in_a_minute_are_one_mail_a_minute_later(
    story, alice, bob, settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    start = START
    bobs = client_for(bob)
    words = ["cloud", "services", "rose", "ministry", "Monday"]
    for second, word in enumerate(words):
        with (
            time_machine.travel(start + datetime.timedelta(seconds=10 * second), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            data = {"quote": word, "near": "0", "text": f"About {word}?"}
            bobs.post(f"/desk/stories/{story.pk}/comments/", data)
    notices = DBTaskResult.objects.filter(task_path="newsroom.review.thread_mail.send_notices")
    assert notices.count() == 5  # one per comment, each for alice

    def run_worker() -> None:
        call_command(
            "db_worker", batch=True, no_startup_delay=True, queue_name="*", stdout=io.StringIO()
        )

    with time_machine.travel(start + datetime.timedelta(seconds=50), tick=False):
        run_worker()
    assert mailoutbox == []  # nothing is due before a minute has passed
    with time_machine.travel(start + datetime.timedelta(minutes=2), tick=False):
        run_worker()
    (mail,) = mailoutbox
    assert (mail.to, mail.subject) == ([alice.email], "[Newsroom] 5 review notes")
    assert all(f"About {word}?" in mail.body for word in words)
    # The other four tasks found nothing left to send.
    assert sorted(notices.values_list("status", flat=True)) == ["SUCCESSFUL"] * 5
