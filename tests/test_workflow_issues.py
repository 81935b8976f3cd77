"""Every issue transition through the workflow core, for every role and state.

Publishing with rendering (publish_issue) is tested in test_publishing.py;
here the workflow's own rules are checked directly.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from issues.models import Issue
from newsroom.models import Newsletter
from newsroom.review.workflow import (
    PUBLISH,
    REQUEST_CHANGES,
    SUBMIT,
    TRANSITIONS,
    WITHDRAW,
    Status,
    WorkflowError,
    perform,
)
from tests import factories

ALLOWED = {
    (Status.DRAFT, "submit", "alice"),
    (Status.DRAFT, "submit", "erin"),
    (Status.REVIEW, "request_changes", "bob"),
    (Status.REVIEW, "publish", "bob"),
}


def issue_in(state: Status, alice: User, bob: User, newsletter: Newsletter) -> Issue:
    story = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[story])
    if state != Status.DRAFT:
        perform(issue, SUBMIT, by=alice)
    if state == Status.PUBLISHED:
        perform(issue, PUBLISH, by=bob, prepare=factories.small_edition(bob))
    return issue


@pytest.mark.parametrize("state", list(Status))
@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("who", ["alice", "erin", "bob", "dave"])
def test_each_role_may_only_do_what_the_table_says(
    state: Status,
    name: str,
    who: str,
    alice: User,
    erin: User,
    bob: User,
    dave: User,
    newsletter: Newsletter,
) -> None:
    people = {"alice": alice, "erin": erin, "bob": bob, "dave": dave}
    issue = issue_in(state, alice, bob, newsletter)
    transition = TRANSITIONS[name]
    audit_rows = issue.transitions.count()

    if (state, name, who) in ALLOWED:
        prepare = factories.small_edition(people[who]) if transition is PUBLISH else None
        perform(
            issue,
            transition,
            by=people[who],
            comment="Swap the first two stories.",
            prepare=prepare,
        )
        issue.refresh_from_db()
        assert issue.status == transition.target
        row = issue.transitions.first()
        assert (row.transition, row.by, row.from_status, row.to_status) == (
            name,
            people[who],
            transition.source,
            transition.target,
        )
    else:
        with pytest.raises(WorkflowError):
            perform(issue, transition, by=people[who], comment="Swap the first two stories.")
        issue.refresh_from_db()
        assert issue.status == state
        assert issue.transitions.count() == audit_rows


def test_an_empty_issue_cannot_be_submitted(alice: User, newsletter: Newsletter) -> None:
    issue = factories.make_issue(newsletter=newsletter, created_by=alice)

    with pytest.raises(WorkflowError, match="at least one story"):
        perform(issue, SUBMIT, by=alice)

    issue.refresh_from_db()
    assert issue.status == Status.DRAFT


def test_an_issue_with_an_unapproved_story_cannot_be_published(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved, late = (
        factories.make_story(
            author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob, **fields
        )
        for fields in ({}, {"headline": "Late copy"})
    )
    issue = factories.make_issue(newsletter=newsletter, created_by=alice, stories=[approved, late])
    perform(issue, SUBMIT, by=alice)
    # taken back while the issue waits for review
    perform(late, WITHDRAW, by=bob, comment="Taken back for a check.")

    with pytest.raises(WorkflowError, match="Late copy"):
        perform(issue, PUBLISH, by=bob, prepare=factories.small_edition(bob))

    issue.refresh_from_db()
    assert (issue.status, issue.published_at) == (Status.REVIEW, None)
    assert issue.transitions.first().transition == "submit"


def test_an_issue_with_an_unapproved_story_cannot_be_submitted(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    approved = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.PUBLISHED, reviewer=bob
    )
    pending = factories.make_story(
        author=alice, newsletter=newsletter, status=Status.REVIEW, headline="Late copy"
    )
    issue = factories.make_issue(
        newsletter=newsletter, created_by=alice, stories=[approved, pending]
    )

    with pytest.raises(WorkflowError, match=r"before the issue is submitted.*“Late copy”"):
        perform(issue, SUBMIT, by=alice)

    issue.refresh_from_db()
    assert issue.status == Status.DRAFT
    assert not issue.transitions.exists()


def test_publishing_without_stored_documents_is_refused(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = issue_in(Status.REVIEW, alice, bob, newsletter)

    with pytest.raises(WorkflowError, match="PDF and HTML were not stored"):
        perform(issue, PUBLISH, by=bob)

    issue.refresh_from_db()
    assert (issue.status, issue.published_at) == (Status.REVIEW, None)
    assert not issue.editions.exists()
    assert issue.transitions.first().transition == "submit"


def test_sending_an_issue_back_records_the_comment(
    alice: User, bob: User, newsletter: Newsletter
) -> None:
    issue = issue_in(Status.REVIEW, alice, bob, newsletter)

    perform(issue, REQUEST_CHANGES, by=bob, comment="Too long for one page.")

    issue.refresh_from_db()
    assert issue.status == Status.DRAFT
    assert issue.transitions.first().comment == "Too long for one page."
