"""The render workers: long-lived, warm, and stopped at the time and memory
limits, with the person told what was too big."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client

from issues.importing.parsing import IssueParseError
from issues.importing.pdf import pdf_to_text
from issues.models import Issue
from issues.rendering import documents
from issues.rendering import jobs as render_jobs
from issues.rendering import pool as render_pool
from issues.rendering.jobs import hold_memory, worker_pid
from newsroom.models import Newsletter, Story
from tests import factories
from tests.issue_helpers import make_published_stories

# Thousands deep: minutes to lay out, yet quick to build for a test.
NESTED_3000 = "<ul><li>" * 3_000 + "deep" + "</li></ul>" * 3_000


def test_renders_run_in_a_long_lived_worker_process() -> None:
    first = render_pool.run(worker_pid)
    assert first != os.getpid()
    assert render_pool.run(worker_pid) == first


def test_a_worker_is_replaced_after_its_quota_of_jobs() -> None:
    pool = render_pool.RenderPool(size=1, max_jobs=2, memory_mb=512)
    try:
        pids = [pool.run(worker_pid, time_limit=30) for _ in range(3)]
    finally:
        pool.close()
    assert pids[0] == pids[1] != pids[2]


def test_a_job_past_the_time_limit_is_stopped_and_the_next_one_gets_a_fresh_worker() -> None:
    before = render_pool.run(worker_pid)
    with pytest.raises(render_jobs.TooSlow, match=r"took longer than 0\.5 seconds"):
        render_pool.run(documents.html_to_pdf, NESTED_3000, time_limit=0.5)
    after = render_pool.run(worker_pid)
    assert after != before


def test_a_job_past_the_memory_limit_is_stopped() -> None:
    with pytest.raises(render_jobs.TooBig, match="more than 512 MB of memory"):
        render_pool.run(hold_memory, 2 * 1024**3)
    assert render_pool.run(hold_memory, 1024) == 1024


def test_a_jobs_own_error_reaches_the_caller_and_the_worker_stays() -> None:
    before = render_pool.run(worker_pid)
    with pytest.raises(IssueParseError, match="no text to read"):
        render_pool.run(pdf_to_text, factories.small_pdf())
    assert render_pool.run(worker_pid) == before


def test_a_worker_runs_only_registered_jobs() -> None:
    before = render_pool.run(worker_pid)
    # A name the worker is sent is a key in the registry, never a path to import.
    for name in ("os.getpid", "os.system", "builtins.eval", "issues.rendering.documents.warm_up"):
        with pytest.raises(render_jobs.UnknownJob, match="is not a render job"):
            render_pool.run(name, "true")
    assert render_pool.run(worker_pid) == before  # refused, and the worker stays


def test_an_unregistered_function_is_refused_before_it_reaches_a_worker() -> None:
    with pytest.raises(render_jobs.UnknownJob, match=r"getpid' is not a render job"):
        render_pool.run(os.getpid)


def test_a_registered_job_runs_by_its_name_too() -> None:
    name = "issues.rendering.jobs.hold_memory"
    assert render_jobs.JOBS[name] is hold_memory
    assert render_pool.run(name, 10) == 10


@pytest.fixture
def runaway_issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    """An issue whose story was stored before the body limits existed."""
    story = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=1)[0]
    Story.objects.filter(pk=story.pk).update(body=NESTED_3000)
    return factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])


def test_a_runaway_render_is_stopped_and_the_editor_told_in_words(
    client: Client, alice: User, runaway_issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_RENDER_TIME_LIMIT = 1
    render_pool.run(worker_pid)  # a warm worker: the limit is the render's alone
    client.force_login(alice)

    response = client.get(f"/desk/issues/{runaway_issue.pk}/preview.pdf", follow=True)

    assert response.redirect_chain[-1][0] == f"/desk/issues/{runaway_issue.pk}/"
    page = response.content.decode()
    assert "too big to render as PDF: it took longer than 1 second and was stopped" in page
    assert "Shorten its longest stories" in page
    assert "Traceback" not in page
    runaway_issue.refresh_from_db()
    assert runaway_issue.status == "draft" and not runaway_issue.editions.exists()


# Ten thousand deep: seconds to sanitise and minutes to lay out.
NESTED_10000 = "<ul><li>" * 10_000 + "deep" + "</li></ul>" * 10_000


def test_a_runaway_html_preview_is_stopped_and_the_editor_told_in_words(
    client: Client, alice: User, runaway_issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_RENDER_TIME_LIMIT = 1
    Story.objects.filter(issues=runaway_issue).update(body=NESTED_10000)
    render_pool.run(worker_pid)  # a warm worker: the limit is the render's alone
    client.force_login(alice)

    # The web process never builds the document itself: if it tried, this
    # would fail the request.
    with mock.patch.object(documents, "body_with_source", side_effect=AssertionError("in the web")):
        response = client.get(f"/desk/issues/{runaway_issue.pk}/preview.html", follow=True)

    assert response.redirect_chain[-1][0] == f"/desk/issues/{runaway_issue.pk}/"
    page = response.content.decode()
    assert "too big to render as HTML: it took longer than 1 second and was stopped" in page
    assert "Shorten its longest stories" in page
    assert "Traceback" not in page


def test_the_html_preview_is_built_in_a_render_worker(
    client: Client, alice: User, newsletter: Newsletter, bob: User
) -> None:
    stories = make_published_stories(newsletter=newsletter, author=alice, reviewer=bob, count=2)
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=stories)
    client.force_login(alice)

    with mock.patch.object(documents, "body_with_source", side_effect=AssertionError("in the web")):
        response = client.get(f"/desk/issues/{issue.pk}/preview.html")

    assert response.status_code == 200
    html = response.content.decode()
    assert all(story.headline in html for story in stories)
