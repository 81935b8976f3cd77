"""A day's mix on the desk and the archive, for locust (run by tests/bench/load.py).

50 subscribers browse the archive, open issues and download their PDFs; 5
editors search, look up sources and write (and submit) stories; 2 reviewers
approve stories and publish the issues waiting in review. Everyone is
signed in by a session the driver made (LOAD_SESSIONS, a JSON file): the
password hasher is not what this measures. Requests are named by page, so
that the figures come per page, not per URL.

Plain HTTP on loopback with debug off: the cookies Django marks Secure are
sent by hand (a browser would not send them over HTTP, neither would
requests' cookie jar).
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
from typing import Any

from locust import HttpUser, between, task

with open(os.environ["LOAD_SESSIONS"]) as _file:
    PLAN: dict[str, Any] = json.load(_file)

TIMEOUT = 30
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ISSUE_LINK = re.compile(r'href="(/issues/[^/"]+/\d+/)"')
PDF_LINK = re.compile(r'href="(/issues/[^"]+\.pdf[^"]*)"')
REVIEW_LINK = re.compile(r'href="/desk/stories/(\d+)/review/"')
NEWSLETTER_OPTION = re.compile(r'<option value="(\d+)"')
_lock = threading.Lock()  # gevent-safe enough for popping from a shared list


def _take(kind: str) -> dict[str, Any]:
    """The next person of a kind, round robin."""
    with _lock:
        n = PLAN.setdefault(f"next_{kind}", 0)
        PLAN[f"next_{kind}"] = n + 1
        return PLAN[kind][n % len(PLAN[kind])]


class Person(HttpUser):
    abstract = True
    kind = ""

    def on_start(self) -> None:
        self.session = _take(self.kind)["session"]
        self.csrf = ""
        self.client.cookies.clear()

    def headers(self) -> dict[str, str]:
        """Our cookies by hand (Django marks them Secure), and the host it serves."""
        cookie = f"sessionid={self.session}"
        if self.csrf:
            cookie += f"; csrftoken={self.csrf}"
        return {"Cookie": cookie, "Host": "localhost"}

    def get(self, path: str, name: str) -> Any:
        with self.client.get(
            path,
            name=name,
            headers=self.headers(),
            timeout=TIMEOUT,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")
            if "csrftoken" in response.cookies:
                self.csrf = response.cookies["csrftoken"]
            return response

    def post(self, path: str, name: str, data: dict[str, Any], token: str) -> Any:
        with self.client.post(
            path,
            name=name,
            data={"csrfmiddlewaretoken": token, **data},
            headers=self.headers(),
            timeout=TIMEOUT,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            # A form that worked answers with a redirect; 200 means it was refused.
            if response.status_code != 302:
                response.failure(f"{response.status_code} for POST {path}")
            return response


class Subscriber(Person):
    fixed_count = 50
    kind = "subscribers"
    wait_time = between(2, 6)

    @task(4)
    def browse_the_archive(self) -> None:
        archive = self.get("/issues/", "archive")
        issues = ISSUE_LINK.findall(archive.text or "")
        if not issues:
            return
        issue = self.get(random.choice(issues[:10]), "issue page")
        pdfs = PDF_LINK.findall(issue.text or "")
        if pdfs and random.random() < 0.5:
            self.get(pdfs[0], "PDF download")

    @task(1)
    def search_the_archive(self) -> None:
        self.get(f"/issues/?q={random.choice(PLAN['words'])}", "archive search")


class Editor(Person):
    fixed_count = 5
    kind = "editors"
    wait_time = between(3, 8)

    @task(3)
    def search_stories(self) -> None:
        self.get("/desk/", "editor's dashboard")
        self.get(f"/desk/stories/?q={random.choice(PLAN['words'])}", "story search")

    @task(2)
    def write_and_submit_a_story(self) -> None:
        form = self.get("/desk/stories/new/", "story form")
        token = TOKEN.search(form.text or "")
        newsletters = NEWSLETTER_OPTION.findall(form.text or "")
        if not token or not newsletters:
            return
        source = random.choice(PLAN["sources"])
        self.get(f"/desk/sources/names/?q={source[:4]}", "source suggestions")
        saved = self.post(
            "/desk/stories/new/",
            "save a story",
            {
                "headline": f"Load test story {random.randrange(10**9)}",
                "body": "<p>" + " ".join(random.choices(PLAN["words"], k=70)) + ".</p>",
                "source": source,
                "new_source": "",
                "newsletter": random.choice(newsletters),
                "original_url": "",
            },
            token.group(1),
        )
        story = saved.headers.get("Location", "")
        if re.fullmatch(r"/desk/stories/\d+/", story):
            page = self.get(story, "story page")
            token = TOKEN.search(page.text or "")
            if token:
                self.post(f"{story}submit/", "submit a story", {}, token.group(1))


class Reviewer(Person):
    fixed_count = 2
    kind = "reviewers"
    wait_time = between(3, 8)

    @task(4)
    def approve_a_story(self) -> None:
        queue = self.get("/desk/review/", "review queue")
        waiting = REVIEW_LINK.findall(queue.text or "")
        if not waiting:
            return
        story = random.choice(waiting[:10])
        review = self.get(f"/desk/stories/{story}/review/", "story review")
        token = TOKEN.search(review.text or "")
        if token:
            # Another reviewer may have approved it a moment ago: a refusal
            # then is the site being right, not an error of the run.
            with _lock:
                taken = story in PLAN.setdefault("approved", [])
                PLAN["approved"].append(story)
            if not taken:
                self.post(f"/desk/stories/{story}/approve/", "approve a story", {}, token.group(1))

    @task(1)
    def publish_an_issue(self) -> None:
        self.get("/desk/", "reviewer's dashboard")
        with _lock:
            issue = PLAN["issues_in_review"].pop() if PLAN["issues_in_review"] else None
        if issue is None:
            return
        page = self.get(f"/desk/issues/{issue}/publish/", "publish confirmation")
        token = TOKEN.search(page.text or "")
        if token:
            self.post(f"/desk/issues/{issue}/publish/", "publish an issue", {}, token.group(1))
