"""Newsroom on more than one machine, proven on this one (issue 14, item 6).

Two gunicorn web nodes, each in a directory of its own, two `db_worker`s and
moto's S3 server, all sharing one PostgreSQL database (tests/multinode/
topology.py). Bob publishes on node A; a worker renders the issue and stores
it in the bucket; Dave signs in and downloads on node B, by a redirect to a
signed URL of the bucket, and gets the stored bytes. While the issue is
mailed to its 250 readers, the worker sending one batch is killed with
SIGKILL (with everything it started) while the mail server holds one of its
mails unanswered; the other worker finishes the queue, taking over the dead
one's batch once its claim has lapsed. Every reader gets one mail; only a
mail in flight on one of the dead worker's connections may arrive twice.

PostgreSQL only (several processes on one database): `make test` runs it in
its PostgreSQL pass, CI in both of its runs. About 30-60 s.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.contrib.auth.models import Group, User
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from issues.models import Delivery, Issue, Subscription
from issues.models.editions import Edition
from newsroom import roles
from newsroom.review.workflow import Status
from tests import factories
from tests.issue_helpers import make_issue_in_review
from tests.multinode.topology import Topology, kill_node, topology
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY
from tests.smtp_sink import smtp_sink

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.multinode,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several processes share one database: PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

READERS = 250  # three mail batches of at most 100
HOLD_AT = 40  # the reader's mail the server keeps unanswered while its sender is killed
WAIT = 60.0  # the most any one step may take


def wait_until(what: str, check: Callable[[], Any], running: Topology) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    pytest.fail(f"Not within {WAIT:.0f} s: {what}\n{running.logs()}")


def sign_in(node: str, username: str) -> requests.Session:
    """A browser session signed in on `node` (the cookie works on every node)."""
    browser = requests.Session()
    page = browser.get(f"{node}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    answer = browser.post(
        f"{node}/accounts/login/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": factories.PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def csrf_of(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    return token.group(1)


def node_password(user: User) -> None:
    """The nodes hash with PBKDF2, not with the tests' fast hasher."""
    user.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, "multinode", 1000)
    user.save(update_fields=["password"])


def make_readers(issue: Issue) -> list[str]:
    users = User.objects.bulk_create(
        User(username=f"reader{i}", email=f"reader{i}@example.org", password=make_password(None))
        for i in range(READERS)
    )
    Subscription.objects.bulk_create(
        Subscription(user=u, newsletter=issue.newsletter) for u in users
    )
    # Readers hold the subscriber's role as well as a subscription
    # (issues/readers/access.py): mail goes to the newsletter's readers only.
    subscribers = Group.objects.get(name=roles.SUBSCRIBERS)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=subscribers.pk) for u in users
    )
    return [u.email for u in users]


def test_two_web_nodes_two_workers_one_bucket_one_database(tmp_path: Path) -> None:
    started = time.monotonic()
    newsletter = factories.make_newsletter()
    alice = factories.make_editor("alice")
    bob = factories.make_reviewer("bob")
    dave = factories.make_subscriber("dave", newsletter)
    for user in (bob, dave):
        node_password(user)
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=3)
    readers = [*make_readers(issue), dave.email]
    # The test database pytest made, committed to (a transactional test).
    database_url = urllib.parse.urlunsplit(
        urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(
            path="/" + connection.settings_dict["NAME"]
        )
    )

    with (
        smtp_sink(delay=0.01, refuse_every=0, hold_at=HOLD_AT, hold_prefix="reader") as (
            sink,
            mail_port,
        ),
        topology(database_url=database_url, mail_port=mail_port, base=tmp_path) as running,
    ):
        node_a, node_b = (node.url for node in running.web)
        print(f"topology up in {time.monotonic() - started:.1f} s")

        # Bob publishes on node A: the request only queues the work.
        reviewer = sign_in(node_a, "bob")
        publish_url = node_a + reverse("issue_desk:issue_publish", args=[issue.pk])
        answer = reviewer.post(
            publish_url,
            data={"csrfmiddlewaretoken": csrf_of(reviewer, publish_url)},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text[:500]

        # A worker renders it and stores both documents in the bucket.
        edition = wait_until(
            "the issue is published",
            lambda: Edition.objects.filter(issue=issue).select_related("issue").first(),
            running,
        )
        assert Issue.objects.get(pk=issue.pk).status == Status.PUBLISHED
        publication = DBTaskResult.objects.get(task_path__endswith="publish_issue_task")
        assert publication.worker_ids[0] in ("worker-a", "worker-b")
        bucket = boto3.client(
            "s3",
            endpoint_url=running.s3_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )
        stored = bucket.get_object(Bucket=running.bucket, Key=edition.pdf_file.name)["Body"].read()
        assert hashlib.sha256(stored).hexdigest() == edition.pdf_sha256
        print(f"published by {publication.worker_ids[0]} at {time.monotonic() - started:.1f} s")

        # Dave signs in on node B and downloads there: a signed URL of the bucket.
        reader = sign_in(node_b, "dave")
        pdf_path = reverse("issues:issue_pdf", args=[newsletter.slug, issue.number])
        download = reader.get(node_b + pdf_path, allow_redirects=False, timeout=30)
        assert download.status_code == 302, download.text[:500]
        assert download.headers["Location"].startswith(f"{running.s3_url}/{running.bucket}/")
        pdf = requests.get(download.headers["Location"], timeout=30)
        assert pdf.status_code == 200
        assert pdf.content == stored
        assert pdf.headers["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
        # The same session on node A (sessions live in the database); the ETag holds there.
        again = reader.get(
            node_a + pdf_path,
            headers={"If-None-Match": f'"{edition.pdf_sha256}"'},
            allow_redirects=False,
            timeout=30,
        )
        assert again.status_code == 304
        stranger = requests.get(node_b + pdf_path, allow_redirects=False, timeout=30)
        assert stranger.status_code == 302
        assert urllib.parse.urlsplit(stranger.headers["Location"]).path == "/accounts/login/"

        # The mail server holds one mail; the worker sending it is killed.
        wait_until("the mail server holds a mail", sink.holding.is_set, running)
        (held,) = sink.held
        delivery = Delivery.objects.get(issue=issue, user__email=held)
        batch = next(
            task
            for task in DBTaskResult.objects.filter(
                task_path__endswith="deliver_batch", status="RUNNING"
            )
            if delivery.pk in task.args_kwargs["args"][1]
        )
        victim = running.worker(batch.worker_ids[-1])
        survivor = next(node for node in running.workers if node is not victim)
        kill_node(victim)
        sink.release.set()
        print(f"killed {victim.name} mid-batch at {time.monotonic() - started:.1f} s")

        # The other worker finishes the queue.
        wait_until(
            "every reader's mail is sent",
            lambda: not Delivery.objects.filter(issue=issue, sent_at__isnull=True).exists(),
            running,
        )
        assert survivor.process.poll() is None, running.logs()
        print(f"all mail sent at {time.monotonic() - started:.1f} s")

        # The dead worker's batch is taken back by the survivor, no cron: it
        # is run again once its worker has been silent for the node's
        # NEWSROOM_WORKER_LOST_AFTER, and sends nothing (nothing is owed).
        wait_until(
            "the dead worker's batch is taken back and run",
            lambda: DBTaskResult.objects.get(pk=batch.pk).status == "SUCCESSFUL",
            running,
        )
        print(f"dead batch taken back at {time.monotonic() - started:.1f} s")

    # None lost, the held one not counted. Twice only a mail that was on its
    # way over one of the dead worker's connections when it was killed (the
    # server has it; the worker never heard so): at most one per connection.
    to_readers = {address: n for address, n in sink.accepted.items() if address in readers}
    assert sorted(to_readers) == sorted(readers)
    assert set(to_readers.values()) <= {1, 2}
    twice = Delivery.objects.filter(
        issue=issue, user__email__in=[a for a, n in to_readers.items() if n == 2]
    )
    assert twice.count() <= settings.NEWSROOM_MAIL_CONNECTIONS
    assert set(twice.values_list("pk", flat=True)) <= set(batch.args_kwargs["args"][1])
    assert Delivery.objects.filter(issue=issue).count() == len(readers)
    assert not Delivery.objects.filter(issue=issue, attempts__gt=0).exists()
    # The survivor ran the rest, the dead worker's batch included.
    assert set(
        DBTaskResult.objects.filter(task_path__endswith="deliver_batch", status="SUCCESSFUL")
        .exclude(pk=batch.pk)
        .values_list("worker_ids", flat=True)[0]
    ) <= {survivor.name}
    assert DBTaskResult.objects.get(pk=batch.pk).worker_ids == [victim.name, survivor.name]
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    # Nothing was written to a node's disk: the documents are in the bucket only.
    local = [p for p in tmp_path.rglob("*") if p.suffix in (".pdf", ".html")]
    assert local == []
    print(f"done in {time.monotonic() - started:.1f} s")
