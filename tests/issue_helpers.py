"""Published stories and issues for the renderer, publishing, builder and
subscriber-side tests.

Invented news about invented places: the Harbour Tribune reports on the port
city of Saltmarsh. Publishing renders a real PDF (about half a second), so
each test publishes as few issues as it can.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Sequence
from pathlib import Path

from django.contrib.auth.models import User
from pypdf import PdfReader

from issues.models import Issue
from issues.publishing.publish import publish_issue
from newsroom.models import Newsletter, Story
from newsroom.review.workflow import SUBMIT, Status, perform
from tests import factories
from tests.pdf_checks import assert_accessible_pdf

STORIES = [
    (
        "Saltmarsh opens a fibre exchange under the old lighthouse",
        "The port city of Saltmarsh switched on a carrier-neutral fibre exchange in the "
        "basement of its decommissioned lighthouse on Tuesday. Twelve operators have "
        "signed up, and the harbour board expects latency to the mainland to halve.",
        "Harbour Tribune",
    ),
    (
        "Ferry company trials quantum-safe ticketing",
        "North Sound Ferries began a three-month trial of ticket signatures built on "
        "lattice cryptography. Engineer 林小红 said the new tickets verify in under "
        "forty milliseconds on the gangway scanners.",
        "Coastal Ledger",
    ),
    (
        "Fishing cooperative sells its catch through a shared data platform",
        "Forty boats now report their catch to a cooperative platform that matches it "
        "with restaurant orders before landing. Waste at the quay fell by a fifth in "
        "the first month, the cooperative said.",
        "Harbour Tribune",
    ),
    (
        "Island schools get satellite broadband before winter storms",
        "Every school on the outer islands now has a satellite link as a backup for the "
        "undersea cable, which storms cut twice last winter. Teachers can stream lessons "
        "from the mainland when the cable fails.",
        "Island Courier",
    ),
    (
        "Port authority publishes its first open dataset of berth schedules",
        "Berth schedules, crane loads and pilot bookings are now published every hour "
        "under an open licence. Two local start-ups already use the data to plan truck "
        "arrivals and cut queues at the gate.",
        "Coastal Ledger",
    ),
]


def make_published_stories(
    *,
    newsletter: Newsletter,
    author: User,
    reviewer: User,
    count: int = 5,
    headlines: Sequence[str] = (),
) -> list[Story]:
    """`count` stories from STORIES, or one per headline given (with STORIES' texts)."""
    stories = []
    for n in range(len(headlines) or count):
        headline, text, source = STORIES[n % len(STORIES)]
        if headlines:
            headline = headlines[n]
        elif n >= len(STORIES):
            headline = f"{headline} ({n + 1})"
        stories.append(
            factories.make_story(
                author=author,
                newsletter=newsletter,
                status=Status.PUBLISHED,
                reviewer=reviewer,
                headline=headline,
                body=f"<p>{text}</p>",
                source=factories.make_source(source),
            )
        )
    return stories


def make_issue_in_review(
    *,
    newsletter: Newsletter,
    editor: User,
    reviewer: User,
    count: int = 5,
    headlines: Sequence[str] = (),
    number: int | None = None,
    period_start: datetime.date = datetime.date(2025, 11, 24),
) -> Issue:
    stories = make_published_stories(
        newsletter=newsletter, author=editor, reviewer=reviewer, count=count, headlines=headlines
    )
    issue = factories.make_issue(
        newsletter=newsletter,
        created_by=editor,
        stories=stories,
        number=number,
        period_start=period_start,
    )
    perform(issue, SUBMIT, by=editor)
    return issue


def publish(
    newsletter: Newsletter,
    *,
    editor: User,
    reviewer: User,
    headlines: Sequence[str] = ("Harbour cable lands in Port Avel",),
    number: int | None = None,
    period_start: datetime.date = datetime.date(2025, 11, 24),
) -> Issue:
    """A published issue of one story per headline, with its stored artifacts
    (their PDF checked for the PDF/UA essentials)."""
    issue = make_issue_in_review(
        newsletter=newsletter,
        editor=editor,
        reviewer=reviewer,
        headlines=headlines,
        number=number,
        period_start=period_start,
    )
    published = publish_issue(issue=issue, by=reviewer)
    with published.latest_edition.pdf_file.open("rb") as stored:
        assert_accessible_pdf(stored.read(), headlines=headlines)
    return published


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def stored_files(root: Path) -> list[str]:
    """The files under `root` (the artifacts folder), relative to it and sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
