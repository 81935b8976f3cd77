"""Publishing an issue: render first, then store and mark published at once.

Alice edits, Bob and Carol review. The artifact storage points at a
temporary folder in every test, so "no file stored" is a listing.
"""

from __future__ import annotations

import errno
import hashlib
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection

from issues.models import Issue, IssueStory, IssueTransition
from issues.models.editions import Edition
from issues.publishing import publish as publishing
from issues.publishing.publish import PublishError, publish_issue
from issues.rendering import documents
from issues.tasks import publish_issue_task
from newsroom.models import Newsletter
from newsroom.review.workflow import Status, WorkflowError, transitioned
from tests import factories
from tests.issue_helpers import make_issue_in_review, stored_files
from tests.pdf_checks import assert_accessible_pdf


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=3)


def assert_still_in_review(issue: Issue, artifacts: Path) -> None:
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert issue.published_at is None
    assert not issue.editions.exists()
    assert not issue.transitions.filter(transition="publish").exists()
    assert stored_files(artifacts) == []


def test_a_reviewer_publishes_an_issue_in_review(
    issue: Issue, bob: User, artifacts: Path, django_capture_on_commit_callbacks: Any
) -> None:
    heard: list[Issue] = []

    def listener(instance: Issue, **kwargs: object) -> None:
        heard.append(instance)

    transitioned.connect(listener, sender=Issue)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publish_issue(issue=issue, by=bob, note="weekly run")
            assert heard == [], "subscribers must hear only after commit"
        for callback in callbacks:
            callback()
    finally:
        transitioned.disconnect(listener, sender=Issue)
    assert [i.pk for i in heard] == [issue.pk]

    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert issue.published_at is not None
    assert stored_files(artifacts) == sorted(
        [issue.latest_edition.html_file.name, issue.latest_edition.pdf_file.name]
    )
    pdf = issue.latest_edition.pdf_file.read()
    html = (artifacts / issue.latest_edition.html_file.name).read_bytes()
    assert issue.latest_edition.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert issue.latest_edition.html_sha256 == hashlib.sha256(html).hexdigest()
    assert issue.latest_edition.pdf_size == len(pdf) and issue.latest_edition.page_count == 1
    assert issue.latest_edition.renderer_version == documents.renderer_version()
    assert issue.latest_edition.renderer_version.startswith("WeasyPrint ")
    assert "; template " in issue.latest_edition.renderer_version
    assert_accessible_pdf(pdf, headlines=[story.headline for story in issue.ordered_stories()])
    row = issue.transitions.get(transition="publish")
    assert (row.transition, row.from_status, row.to_status, row.by, row.note) == (
        "publish",
        Status.REVIEW,
        Status.PUBLISHED,
        bob,
        "weekly run",
    )


def test_the_published_issue_renders_again_to_the_stored_bytes(
    issue: Issue, bob: User, artifacts: Path
) -> None:
    publish_issue(issue=issue, by=bob)
    issue = Issue.objects.get(pk=issue.pk)
    assert (
        hashlib.sha256(documents.render_pdf(issue)).hexdigest() == issue.latest_edition.pdf_sha256
    )
    assert (
        hashlib.sha256(documents.render_html(issue).encode()).hexdigest()
        == issue.latest_edition.html_sha256
    )


def test_the_artifacts_live_outside_the_media_root() -> None:
    location = Path(django_settings.STORAGES["artifacts"]["OPTIONS"]["location"]).resolve()
    assert not location.is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())


def test_an_editor_cannot_publish(issue: Issue, alice: User, artifacts: Path) -> None:
    with (
        mock.patch.object(documents, "render_pdf") as render,
        pytest.raises(WorkflowError, match="Only a reviewer"),
    ):
        publish_issue(issue=issue, by=alice)
    render.assert_not_called()
    assert_still_in_review(issue, artifacts)


def test_a_draft_cannot_be_published(
    newsletter: Newsletter, alice: User, bob: User, artifacts: Path
) -> None:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    with pytest.raises(WorkflowError, match="is draft"):
        publish_issue(issue=issue, by=bob)
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT
    assert stored_files(artifacts) == []


def test_an_issue_with_an_unapproved_story_cannot_be_published(
    issue: Issue, alice: User, bob: User, newsletter: Newsletter, artifacts: Path
) -> None:
    draft = factories.make_story(author=alice, newsletter=newsletter, headline="Tide tables late")
    # Stories join only draft issues (IssueStory refuses otherwise); this one
    # got in around that rule, as older data may have, and publishing still checks.
    IssueStory.objects.bulk_create([IssueStory(issue=issue, story=draft, position=9)])
    with pytest.raises(WorkflowError, match="Tide tables late"):
        publish_issue(issue=issue, by=bob)
    assert_still_in_review(issue, artifacts)


def test_a_published_issue_cannot_be_published_again(
    issue: Issue, bob: User, carol: User, artifacts: Path
) -> None:
    publish_issue(issue=issue, by=bob)
    files = stored_files(artifacts)
    with pytest.raises(WorkflowError, match="is published"):
        publish_issue(issue=Issue.objects.get(pk=issue.pk), by=carol)
    assert stored_files(artifacts) == files
    assert issue.transitions.filter(transition="publish").count() == 1


def test_a_render_failure_leaves_the_issue_in_review(
    issue: Issue, bob: User, artifacts: Path
) -> None:
    with (
        mock.patch.object(documents.pool, "run", side_effect=RuntimeError("font map exploded")),
        # The HTML is built by the render workers too, and first.
        pytest.raises(PublishError, match="could not be rendered as HTML"),
    ):
        publish_issue(issue=issue, by=bob)
    assert_still_in_review(issue, artifacts)


def test_a_storage_failure_leaves_no_file_behind(issue: Issue, bob: User, artifacts: Path) -> None:
    storage = Edition._meta.get_field("pdf_file").storage
    real_save = storage._save

    def save_html_then_fail(name: str, content: object) -> str:
        if name.endswith(".pdf"):
            raise OSError(f"[Errno 28] No space left on device: '{artifacts}/{name}'")
        return real_save(name, content)

    with (
        mock.patch.object(storage, "_save", side_effect=save_html_then_fail),
        pytest.raises(PublishError, match="could not be stored") as failure,
    ):
        publish_issue(issue=issue, by=bob)
    assert_still_in_review(issue, artifacts)
    # The reviewer reads this: no server path in it.
    assert str(artifacts) not in str(failure.value) and "Errno" not in str(failure.value)


@contextmanager
def disk_full_after(limit: int) -> Iterator[None]:
    """Writing past `limit` bytes of any file fails in the kernel (EFBIG, by
    RLIMIT_FSIZE), as on a disk that fills up half-way through a file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.mark.parametrize("filling", [".html", ".pdf"])
def test_a_disk_that_fills_up_mid_file_leaves_no_file_partial_or_whole(
    issue: Issue, bob: User, artifacts: Path, filling: str
) -> None:
    storage = Edition._meta.get_field("pdf_file").storage
    real_save = storage._save

    def save(name: str, content: Any) -> str:
        if not name.endswith(filling):
            return real_save(name, content)
        with disk_full_after(4096):
            return real_save(name, content)

    with (
        mock.patch.object(storage, "_save", side_effect=save),
        pytest.raises(PublishError, match="could not be stored") as failure,
    ):
        publish_issue(issue=issue, by=bob)

    # The kernel refused a write part-way through the file (not its creation).
    assert failure.value.__cause__.errno == errno.EFBIG  # type: ignore[union-attr]
    assert_still_in_review(issue, artifacts)  # no file: hidden partial ones included


def test_the_task_reports_a_refusal_to_the_reviewer(
    issue: Issue, alice: User, artifacts: Path
) -> None:
    result = publish_issue_task.enqueue(issue.pk, alice.pk)
    assert result.return_value == {"published": False, "message": "Only a reviewer can publish."}
    assert_still_in_review(issue, artifacts)


def test_the_task_publishes(issue: Issue, bob: User, artifacts: Path) -> None:
    result = publish_issue_task.enqueue(issue.pk, bob.pk)
    assert result.return_value["published"] is True
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers and has no SELECT ... FOR UPDATE; run on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publishes_make_one_publication(
    newsletter: Newsletter, alice: User, bob: User, carol: User, artifacts: Path
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=2)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}
    real_perform = publishing.perform

    def perform_together(*args: object, **kwargs: object) -> object:
        # Both have rendered; now both reach for the lock at once.
        barrier.wait(timeout=20)
        return real_perform(*args, **kwargs)

    def publish(reviewer: User) -> None:
        try:
            publish_issue(issue=Issue.objects.get(pk=issue.pk), by=reviewer)
            outcomes[reviewer.username] = "published"
        except Exception as exc:
            outcomes[reviewer.username] = exc
        finally:
            connection.close()

    with mock.patch.object(publishing, "perform", side_effect=perform_together):
        threads = [threading.Thread(target=publish, args=(user,)) for user in (bob, carol)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(map(str, outcomes.values())).count("published") == 1
    loser = next(v for v in outcomes.values() if v != "published")
    assert isinstance(loser, WorkflowError)
    issue.refresh_from_db()
    assert issue.status == Status.PUBLISHED
    assert IssueTransition.objects.filter(issue=issue, transition="publish").count() == 1
    assert stored_files(artifacts) == sorted(
        [issue.latest_edition.html_file.name, issue.latest_edition.pdf_file.name]
    )
