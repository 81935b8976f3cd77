"""Logs never carry a credential from a path, and a refused reader is logged
with who, what and why."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from newsroom.models import Newsletter
from newsroom.models.invitations import StoryInvitation
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.review.invitations import invite
from newsroom.security.redaction import REDACTED
from tests import factories
from tests.factories import client_for
from tests.issue_helpers import publish

SECRET = "Sec.ret-token_42:abc"


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=9)


def test_a_review_token_used_on_the_wrong_story_is_not_logged(
    caplog: pytest.LogCaptureFixture, alice: User, bob: User, newsletter: Newsletter
) -> None:
    """Django logged "Forbidden: /review/story/74/<token>/" in full."""
    story = factories.make_story(author=alice, newsletter=newsletter)
    other = factories.make_story(author=alice, newsletter=newsletter)
    token = invite(StoryInvitation, subject=story, email="guest@example.org", by=bob).token()

    with caplog.at_level(logging.INFO):
        response = Client().get(f"/review/story/{other.pk}/{token}/")

    assert response.status_code == 403
    assert token not in caplog.text
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in forbidden] == [
        f"Forbidden: /review/story/{other.pk}/{REDACTED}/"
    ]


def credential_paths(issue: Issue) -> list[str]:
    """Every kind of address that holds a credential, each with SECRET in it."""
    slug, number = issue.newsletter.slug, issue.number
    return [
        reverse("outside_story", args=[74, SECRET]),
        reverse("outside_story_comment", args=[74, SECRET]),
        reverse("issues:outside_issue", args=[74, SECRET]),
        reverse("issues:outside_issue_reply", args=[74, SECRET]),
        reverse("issues:signed_pdf", args=[SECRET]),
        reverse("issues:private_feed", args=[SECRET, slug]),
        reverse("issues:private_pdf", args=[SECRET, slug, number]),
        reverse("desk:calendar_feed", args=[SECRET]),
        reverse("issues:signup_confirm", args=["MQ", SECRET]),
        reverse("password_reset_confirm", args=["MQ", SECRET]),
    ]


@pytest.mark.parametrize("logger", ["django.request", "django.server", "newsroom", "issues"])
def test_no_credential_path_reaches_a_log(
    caplog: pytest.LogCaptureFixture, issue: Issue, logger: str
) -> None:
    """The request loggers redact on the record; any other logger's records
    are redacted by the console handler every record reaches."""
    paths = credential_paths(issue)
    handler = next(h for h in logging.getLogger().handlers if h is not caplog.handler and h.filters)

    for path in paths:
        record = logging.getLogger(logger).makeRecord(
            logger, logging.WARNING, __file__, 1, "Not Found: %s", (path,), None
        )
        assert handler.filter(record)
        assert SECRET not in record.getMessage(), path
        assert REDACTED in record.getMessage(), path
        assert record.getMessage().startswith("Not Found: /"), path


def test_signed_storage_addresses_lose_their_signature(caplog: pytest.LogCaptureFixture) -> None:
    url = (
        "https://store.example/artifacts/a.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20261207&X-Amz-Signature=abcdef0123&X-Amz-Expires=60"
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("django.request").warning("Redirected to %s", url)

    [record] = caplog.records
    assert "AKIDEXAMPLE" not in record.getMessage()
    assert "abcdef0123" not in record.getMessage()
    assert "X-Amz-Expires=60" in record.getMessage()


def test_a_traceback_is_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"bad link /issues/download/{SECRET}.pdf")
        except ValueError:
            logging.getLogger("django.request").exception("Internal Server Error: /x")

    assert SECRET not in caplog.text
    assert f"/issues/download/{REDACTED}.pdf" in caplog.text


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "newsroom.access"]


def test_a_refused_reader_is_logged_with_who_what_and_why(
    caplog: pytest.LogCaptureFixture, issue: Issue, alice: User, bob: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    other = publish(energy, editor=alice, reviewer=bob, number=4)
    erik = factories.make_subscriber("erik", issue.newsletter)
    reader = client_for(erik)

    with caplog.at_level(logging.INFO):
        refused = reader.get(reverse("issues:issue_pdf", args=["energy", other.number]))
        missing = reader.get(reverse("issues:issue_detail", args=["ict", 99]))
        no_edition = reader.get(reverse("issues:edition_html", args=["ict", issue.number, 7]))

    assert [refused.status_code, missing.status_code, no_edition.status_code] == [404] * 3
    records = access_records(caplog)
    assert [
        (r.levelname, r.user_id, r.newsletter, r.issue, r.edition, r.reason) for r in records
    ] == [  # type: ignore[attr-defined]
        ("WARNING", erik.pk, "energy", 4, None, "no subscription to this newsletter"),
        ("WARNING", erik.pk, "ict", 99, None, "no such published issue"),
        ("WARNING", erik.pk, "ict", 9, 7, "no such edition"),
    ]
    assert records[0].getMessage() == (
        f"refused user {erik.pk}: no subscription to this newsletter (newsletter energy, issue 4)"
    )


def test_a_reader_who_may_read_is_not_logged_as_refused(
    caplog: pytest.LogCaptureFixture, issue: Issue, dave: User
) -> None:
    with caplog.at_level(logging.INFO):
        response = client_for(dave).get(reverse("issues:issue_detail", args=["ict", issue.number]))

    assert response.status_code == 200
    assert access_records(caplog) == []


def test_a_private_feed_refusal_names_the_owner_never_the_key(
    caplog: pytest.LogCaptureFixture, issue: Issue, dave: User
) -> None:
    key = PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave).key
    factories.make_newsletter("Energy", "energy")

    with caplog.at_level(logging.INFO):
        unsubscribed = Client().get(reverse("issues:private_feed", args=[key, "energy"]))
        unknown = Client().get(reverse("issues:private_feed", args=[SECRET, "ict"]))

    assert (unsubscribed.status_code, unknown.status_code) == (404, 404)
    assert key not in caplog.text and SECRET not in caplog.text
    assert [(r.user_id, r.newsletter, r.reason) for r in access_records(caplog)] == [  # type: ignore[attr-defined]
        (dave.pk, "energy", "private feed of a newsletter not subscribed to"),
        (None, None, "unknown private feed address, or its account is inactive"),
    ]
