"""Delivery to a thousand readers through a slow mail server that refuses
one mail in twenty the first time: the reviewer's request sends nothing,
every reader gets exactly one mail in the end, and the issue page shows how
far the mail has gone. Bob publishes; the readers are generated in bulk."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.http import HttpResponseBase
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from issues.models import Delivery, Issue, Subscription
from issues.publishing import delivery
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.review.workflow import SUBMIT, Status, perform
from tests import factories
from tests.issue_helpers import make_published_stories
from tests.smtp_sink import smtp_sink


def make_readers(newsletter: Newsletter, count: int) -> list[str]:
    password = make_password("x")
    users = User.objects.bulk_create(
        User(username=f"reader{i}", email=f"reader{i}@example.org", password=password)
        for i in range(count)
    )
    Subscription.objects.bulk_create(Subscription(user=u, newsletter=newsletter) for u in users)
    # Readers hold the Subscribers role as well as the subscription (issues/readers/access.py).
    subscribers = Group.objects.get(name=roles.SUBSCRIBERS)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=subscribers.pk) for u in users
    )
    return [u.email for u in users]


def to_readers(counts: Any) -> dict[str, int]:
    """Mails to readers only, not the desk's notices to Alice and Bob."""
    return {address: n for address, n in counts.items() if address.startswith("reader")}


def issue_in_review(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    stories = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=2)
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories)
    perform(issue, SUBMIT, by=alice)
    return issue


def smtp(settings: Any, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }


class Server:
    """Serves requests as a WSGI server does: the response first, then close()."""

    def __init__(self, user: User) -> None:
        client = Client()
        client.force_login(user)
        self.cookies = client.cookies
        self.handler = WSGIHandler()

    def respond(self, method: str, path: str) -> HttpResponseBase:
        request = getattr(RequestFactory(), method)(path)
        request.COOKIES = {k: v.value for k, v in self.cookies.items()}
        request._dont_enforce_csrf_checks = True
        return self.handler.get_response(request)


# Publication mails on commit: a real commit, not a test transaction.
@pytest.mark.django_db(transaction=True)
def test_publishing_to_a_thousand_readers_sends_no_mail_in_the_request_and_each_one_mail_after(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    readers = make_readers(newsletter, 1000)
    issue = issue_in_review(newsletter, alice, bob)
    settings.NEWSROOM_DELIVERY_BUDGET = 0.5
    server = Server(bob)

    with smtp_sink(delay=0.001, refuse_every=20) as (sink, port):
        smtp(settings, port)
        started = time.monotonic()
        response = server.respond("post", reverse("issue_desk:issue_publish", args=[issue.pk]))
        answered = time.monotonic() - started
        # The reviewer has the answer; not one mail has gone yet.
        assert response.status_code == 302
        assert to_readers(sink.accepted) == to_readers(sink.refused) == {}
        issue.refresh_from_db()
        assert issue.status == Status.PUBLISHED
        assert Delivery.objects.filter(issue=issue).count() == 0
        print(f"\npublish request answered in {answered:.2f} s, before any mail")

        response.close()  # the server has sent it: now the mail goes, for a second
        first = sum(to_readers(sink.accepted).values())
        assert 0 < first < 1000

        # The reviewer watches the issue page; the mail goes on after each view.
        seen = []
        for _ in range(60):
            page = server.respond("get", reverse("issue_desk:issue_builder", args=[issue.pk]))
            text = page.content.decode()  # type: ignore[attr-defined]
            seen.append(text.split('data-testid="delivery-progress">', 1)[1].split("<", 1)[0])
            page.close()
            if sum(to_readers(sink.accepted).values()) == 1000 and "1000 of 1000" in seen[-1]:
                break

    assert sorted(to_readers(sink.accepted)) == sorted(readers)
    assert set(to_readers(sink.accepted).values()) == {1}  # exactly one mail each
    assert len(to_readers(sink.refused)) >= 40  # one in twenty refused once, then sent
    assert any(f"Mailed to {first} of 1000" in line for line in seen)
    assert "Mailed to 1000 of 1000 subscribers." in seen[-1]
    assert not Delivery.objects.filter(issue=issue, sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_queue_mail_goes_in_retried_batches_on_its_own_queue(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    settings.NEWSROOM_DELIVERY_BACKOFF = 0
    readers = make_readers(newsletter, 250)
    issue = issue_in_review(newsletter, alice, bob)
    client = Client()
    client.force_login(bob)

    with smtp_sink(delay=0.0, refuse_every=20) as (sink, port):
        smtp(settings, port)
        client.post(reverse("issue_desk:issue_publish", args=[issue.pk]))
        assert to_readers(sink.accepted) == {}
        # The publishing worker renders and publishes; mail waits on its own queue.
        call_command(
            "db_worker",
            batch=True,
            no_startup_delay=True,
            queue_name="default",
            stdout=io.StringIO(),
        )
        issue.refresh_from_db()
        assert issue.status == Status.PUBLISHED
        assert to_readers(sink.accepted) == to_readers(sink.refused) == {}
        queued = DBTaskResult.objects.filter(queue_name="mail")
        assert queued.filter(task_path="issues.publishing.delivery.deliver_issue").count() == 1

        for _ in range(5):  # a mail worker; refused mails come back as new batches
            call_command(
                "db_worker",
                batch=True,
                no_startup_delay=True,
                queue_name="mail",
                stdout=io.StringIO(),
            )

    assert sorted(to_readers(sink.accepted)) == sorted(readers)
    assert set(to_readers(sink.accepted).values()) == {1}
    assert sink.refused
    batches = queued.filter(task_path="issues.publishing.delivery.deliver_batch")
    assert batches.count() > 3  # 3 batches of 100, then the retries
    assert not Delivery.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_deliveries_claimed_by_a_sender_that_died_go_to_another_once_the_lease_is_over(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    readers = make_readers(newsletter, 30)
    issue = issue_in_review(newsletter, alice, bob)
    from issues.publishing.publish import publish_issue

    publish_issue(issue=issue, by=bob, notify=False)
    delivery.plan_deliveries(issue)
    dead = delivery.claim(issue, limit=10)  # this sender is killed before sending
    assert len(dead) == 10

    with smtp_sink(delay=0.0, refuse_every=0) as (sink, port):
        smtp(settings, port)
        assert delivery.send_owed(issue) == 20  # the claimed ten are not touched
        settings.NEWSROOM_DELIVERY_LEASE_SECONDS = 0
        assert delivery.send_owed(issue) == 10

    assert sorted(to_readers(sink.accepted)) == sorted(readers)
    assert set(to_readers(sink.accepted).values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_dead_senders_batch_goes_out_before_the_batches_still_queued(
    newsletter: Newsletter, alice: User, bob: User, settings: Any
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    make_readers(newsletter, 30)
    issue = issue_in_review(newsletter, alice, bob)
    from issues.publishing.publish import publish_issue

    publish_issue(issue=issue, by=bob, notify=False)
    delivery.plan_deliveries(issue)
    dead = delivery.claim(issue, limit=10)  # this sender is killed before sending
    dead_ids = [d.pk for d in dead]
    waiting = list(issue.deliveries.exclude(pk__in=dead_ids).values_list("pk", flat=True))
    delivery.deliver_batch.enqueue(issue.pk, waiting)  # queued before the sweep
    # Its claim has lapsed.
    Delivery.objects.filter(pk__in=dead_ids).update(
        claimed_at=timezone.now() - delivery.lease() * 2
    )
    assert delivery.sweep_deliveries.call(issue.pk) == 10

    with smtp_sink(delay=0.0, refuse_every=0) as (sink, port):
        smtp(settings, port)
        call_command(
            "db_worker", batch=True, no_startup_delay=True, queue_name="mail", stdout=io.StringIO()
        )

    order = list(to_readers(sink.accepted))  # in the order the server accepted them
    assert set(order[:10]) == {d.user.email for d in dead}  # type: ignore[attr-defined]
    assert len(order) == 30
    assert set(to_readers(sink.accepted).values()) == {1}
    assert not issue.deliveries.filter(sent_at__isnull=True).exists()
