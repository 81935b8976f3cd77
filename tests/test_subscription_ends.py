"""Subscriptions with an end date lapse at the reader's next request, on
every way in, with a page that says why; the publisher is reminded 30 and 7
days before, once each."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings

from issues.models import Issue, Subscription
from issues.publishing.delivery import readers_of
from issues.readers import access, downloads
from issues.readers.reach import issue_reach
from newsroom.models import Newsletter
from newsroom.models.planning import DeskNotice
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.planning.reminders import check_deadlines
from tests import factories
from tests.issue_helpers import publish

ENDS_ON = datetime.date(2027, 3, 31)
LAST_DAY = datetime.datetime(2027, 3, 31, 12, 0, tzinfo=datetime.UTC)
DAY_AFTER = datetime.datetime(2027, 4, 1, 12, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.clock("2027-03-01 09:00 +00:00")


@pytest.fixture
def issue(newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


@pytest.fixture
def trial(dave: User) -> Subscription:
    subscription = dave.subscriptions.get()
    subscription.ends_on = ENDS_ON
    subscription.save(update_fields=["ends_on"])
    return subscription


def pdf_url(issue: Issue) -> str:
    return f"/issues/{issue.newsletter.slug}/{issue.number}.pdf"


def ways_in(issue: Issue, dave: User) -> dict[str, int]:
    """What each way to read the issue answers Dave now (a signed link made
    now, with the grant check on)."""
    client = Client()
    client.force_login(dave)
    token, _ = PrivateAddressKey.objects.get_or_create(user=dave, purpose=Purpose.FEED)
    with override_settings(NEWSROOM_SIGNED_LINK_CHECKS_GRANT=True):
        signed_link = Client().get(downloads.signed_pdf_url(issue, dave.pk)).status_code
    return {
        "page": client.get(issue.get_absolute_url()).status_code,
        "pdf": client.get(pdf_url(issue)).status_code,
        "signed link": signed_link,
        "feed": client.get(f"/feeds/private/{token.key}/ict.atom").status_code,
        "feed pdf": client.get(f"/feeds/private/{token.key}/ict/7.pdf").status_code,
    }


def test_a_reader_reads_through_the_last_day_and_is_refused_the_day_after(
    issue: Issue, dave: User, trial: Subscription
) -> None:
    with time_machine.travel(LAST_DAY, tick=False):
        assert set(ways_in(issue, dave).values()) == {200}
        assert dave in readers_of(issue.newsletter)

    with time_machine.travel(DAY_AFTER, tick=False):
        assert ways_in(issue, dave) == {
            "page": 403,
            "pdf": 403,
            "signed link": 404,  # the grant check: the link's reader no longer reads
            "feed": 404,
            "feed pdf": 403,  # the same refusal, said to the feed reader
        }
        assert dave not in readers_of(issue.newsletter)
        client = Client()
        client.force_login(dave)
        page = client.get(issue.get_absolute_url()).content.decode()
        archive = client.get("/issues/").content.decode()
        account = client.get("/accounts/profile/").content.decode()

    why = f"Your subscription to {issue.newsletter.title} ended on 31 March 2027."
    assert why in page
    assert "To read on, ask Newsroom Demo Publishing" in page
    assert why in archive
    assert "ended on 31 March 2027" in account


def test_a_renewed_subscription_reads_again_at_once(
    issue: Issue, dave: User, trial: Subscription
) -> None:
    with time_machine.travel(DAY_AFTER, tick=False):
        assert ways_in(issue, dave)["page"] == 403
        trial.ends_on = datetime.date(2027, 12, 31)
        trial.save(update_fields=["ends_on"])
        assert set(ways_in(issue, dave).values()) == {200}


def test_a_subscription_without_an_end_never_lapses(issue: Issue, dave: User) -> None:
    with time_machine.travel(datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC), tick=False):
        assert set(ways_in(issue, dave).values()) == {200}


def test_a_current_subscription_elsewhere_does_not_keep_a_lapsed_one_alive(
    issue: Issue, dave: User, trial: Subscription, alice: User, bob: User
) -> None:
    """The grant asks the subscription that names the newsletter, not any
    of the reader's subscriptions."""
    energy = factories.make_newsletter("Energy", "energy")
    Subscription.objects.create(user=dave, newsletter=energy)
    other = publish(energy, editor=alice, reviewer=bob, number=1)
    with time_machine.travel(DAY_AFTER, tick=False):
        assert not access.may_read(dave, issue)
        assert not access.may_read_newsletter(dave, issue.newsletter)
        assert not access.still_reads(dave.pk, issue.pk)
        assert dave not in readers_of(issue.newsletter)
        assert access.may_read(dave, other)
        assert dave in readers_of(energy)
        assert list(access.readable_issues(dave)) == [other]


def test_lapsed_queryset_methods_agree(dave: User, trial: Subscription) -> None:
    assert list(Subscription.objects.current(ENDS_ON)) == [trial]
    assert list(Subscription.objects.lapsed(ENDS_ON + datetime.timedelta(days=1))) == [trial]


# Reminders ------------------------------------------------------------------


def check_on(day: datetime.date) -> Any:
    when = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)
    with time_machine.travel(when, tick=False):
        return check_deadlines.call()


def test_publishers_are_reminded_30_and_7_days_before_once_each(
    newsletter: Newsletter, dave: User, trial: Subscription, alice: User, bob: User
) -> None:
    pat = User.objects.create_superuser("pat", "pat@example.org", "x")
    factories.make_subscriber("erin2", newsletter)  # no end date: no reminder
    second = factories.make_subscriber("fay", newsletter).subscriptions.get()
    second.ends_on = ENDS_ON
    second.save(update_fields=["ends_on"])

    check_on(ENDS_ON - datetime.timedelta(days=31))
    assert not DeskNotice.objects.exists()

    for days in (30, 29, 20):
        check_on(ENDS_ON - datetime.timedelta(days=days))
    [first] = DeskNotice.objects.all()
    assert first.user == pat
    assert first.message == "2 subscriptions end on 31 March 2027: renew or let lapse."

    for days in (7, 6, 0):
        check_on(ENDS_ON - datetime.timedelta(days=days))
    assert DeskNotice.objects.filter(user=pat).count() == 2
    assert not DeskNotice.objects.exclude(user=pat).exists()  # editors, reviewers: not theirs
    reminders = [m for m in mail.outbox if m.to == ["pat@example.org"]]
    assert len(reminders) == 2


def test_the_reach_counts_todays_subscribers_only(
    issue: Issue, dave: User, trial: Subscription
) -> None:

    with time_machine.travel(LAST_DAY, tick=False):
        assert issue_reach(issue).subscribers == 1
    with time_machine.travel(DAY_AFTER, tick=False):
        assert issue_reach(issue).subscribers == 0
