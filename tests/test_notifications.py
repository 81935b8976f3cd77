"""Mail about stories: after commit, one message per event, through django.tasks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.tasks import TaskResult
from django.tasks.signals import task_enqueued

from newsroom.models import Newsletter, Story
from newsroom.review.workflow import PUBLISH, REQUEST_CHANGES, SUBMIT, WITHDRAW, Status, perform
from tests import factories


@pytest.fixture
def story(alice: User, newsletter: Newsletter) -> Story:
    return factories.make_story(author=alice, newsletter=newsletter, headline="Cable lands")


def test_submitting_mails_the_reviewers_once(
    client, story, alice, bob, carol, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/stories/{story.pk}/submit/")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["bob@example.org", "carol@example.org"]
    assert mail.subject == "[Newsroom] For review: Cable lands"
    assert f"/desk/stories/{story.pk}/" in mail.body


def test_requesting_changes_mails_the_author_with_the_comment(
    client, story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    perform(story, SUBMIT, by=alice)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/stories/{story.pk}/request-changes/", {"comment": "Which cable?"})
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    assert "Which cable?" in mailoutbox[0].body
    assert mailoutbox[0].subject == "[Newsroom] Changes requested: Cable lands"


def test_approving_mails_the_author(
    story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    perform(story, SUBMIT, by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        perform(story, PUBLISH, by=bob)
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["alice@example.org"], "[Newsroom] Approved: Cable lands")
    ]


def test_withdrawing_tells_the_author_why(
    story, alice, bob, carol, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    perform(story, SUBMIT, by=alice)
    perform(story, PUBLISH, by=bob)
    with django_capture_on_commit_callbacks(execute=True):
        perform(story, WITHDRAW, by=carol, comment="The figures are disputed.")
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["alice@example.org"], "[Newsroom] Withdrawn: Cable lands")
    ]
    assert "The figures are disputed." in mailoutbox[0].body


def test_nothing_is_sent_when_the_transaction_rolls_back(
    story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        perform(story, SUBMIT, by=alice)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert mailoutbox == []
    story.refresh_from_db()
    assert story.status == Status.DRAFT


def test_the_mail_goes_through_a_task_with_plain_ids(
    story, alice, bob, django_capture_on_commit_callbacks
) -> None:
    enqueued = []

    def record(sender: object, task_result: TaskResult, **kwargs: object) -> None:
        enqueued.append(task_result)

    task_enqueued.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            perform(story, SUBMIT, by=alice)
    finally:
        task_enqueued.disconnect(record)
    [result] = enqueued
    assert result.task.name == "notify_story_transition"
    assert result.kwargs == {
        "story_id": story.pk,
        "transition": "submit",
        "by_id": alice.pk,
        "comment": "",
    }
    assert result.return_value == 1  # the immediate backend sent it


def test_a_refused_transition_sends_nothing(
    client, story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(f"/desk/stories/{story.pk}/approve/")  # still a draft
    assert (callbacks, mailoutbox) == ([], [])
    assert story.transitions.count() == 0


def test_submitting_mails_every_active_reviewer_with_an_address(
    client, story, alice, bob, admin_user, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    """Superusers and users granted the permission directly count; inactive
    reviewers and reviewers without an address do not."""
    User.objects.filter(pk=factories.make_reviewer("gone").pk).update(is_active=False)
    User.objects.filter(pk=factories.make_reviewer("mute").pk).update(email="")
    granted = factories.make_user("gail")
    granted.user_permissions.add(Permission.objects.get(codename="review_story"))
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/desk/stories/{story.pk}/submit/")
    [mail] = mailoutbox
    assert mail.to == ["bob@example.org", "gail@example.org", "root@example.org"]


def test_request_changes_without_author_email_sends_nothing(
    story, alice, bob, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    User.objects.filter(pk=alice.pk).update(email="")
    perform(story, SUBMIT, by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        perform(story, REQUEST_CHANGES, by=bob, comment="More detail.")
    assert mailoutbox == []
