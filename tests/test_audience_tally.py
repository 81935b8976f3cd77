"""The audience's totals kept by the database (issues/0030's triggers), on
PostgreSQL and on SQLite: they follow every way a subscription or a download
changes, give the audience page's figures for any day, and are mended by
`recount_audience` when something outside the triggers broke them."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from issues.accounts.own_data import forget_downloads
from issues.models import AudienceTally, Issue, Subscription
from issues.readers import audience
from issues.readers.audience import AudienceCounts, audience_counts
from issues.readers.reach import write_counts
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish
from tests.test_migrations import migrate

DAY = datetime.date(2031, 5, 15)
BOTH = pytest.mark.parametrize(
    "dialect", ["postgresql", pytest.param("sqlite", marks=pytest.mark.sqlite)]
)


def on(dialect: str) -> None:
    if connection.vendor != dialect:
        pytest.skip(f"this case is {dialect}'s; the other run has it")


def days(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


def download(issue: Issue, reader: User, day: datetime.date = DAY) -> None:
    edition = issue.latest_edition
    assert edition is not None
    write_counts({(edition.pk, day, reader.pk, "pdf", "site"): 1})


def assert_kept() -> None:
    assert audience.differences() == {}


@BOTH
def test_the_tally_follows_every_change_to_subscriptions_and_downloads(
    dialect: str, newsletter: Newsletter, alice: User, bob: User
) -> None:
    on(dialect)
    other = factories.make_newsletter("Energy", "energy")
    issue = publish(newsletter, editor=alice, reviewer=bob, number=1)
    ann = factories.make_subscriber("ann", newsletter, other)
    ben = factories.make_subscriber("ben", newsletter)
    assert_kept()
    # Bulk writes and queryset updates, which send no signal.
    cat, dan = (factories.make_user(name) for name in ("cat", "dan"))
    Subscription.objects.bulk_create(
        [
            Subscription(user=cat, newsletter=newsletter, ends_on=days(10)),
            Subscription(user=dan, newsletter=other, starts_on=days(5), ends_on=days(-5)),
        ]
    )
    assert_kept()
    Subscription.objects.filter(user=ben).update(ends_on=days(-1))
    Subscription.objects.filter(user=cat).update(newsletter=other, starts_on=days(2))
    assert_kept()
    # A save that changes nothing, and one that does.
    kept = Subscription.objects.get(user=ann, newsletter=newsletter)
    kept.save()
    kept.ends_on = days(40)
    kept.save()
    assert_kept()
    # First downloads, again, another edition's: "never" moves only once.
    download(issue, ann)
    download(issue, ann)
    download(issue, ann, days(1))
    # A reader's first downloads written in one statement, as a flush does.
    edition = issue.latest_edition
    assert edition is not None
    write_counts({(edition.pk, DAY, ben.pk, document, "site"): 1 for document in ("pdf", "html")})
    assert_kept()
    assert audience_counts(DAY)[other.pk].never == 2  # cat and dan, not ann
    # A reader who deletes their account leaves their counts anonymous: their
    # rows go in one statement.
    forget_downloads(ben)
    assert_kept()
    # Deleted readers and subscriptions take their share with them.
    Subscription.objects.filter(user=dan).delete()
    ann.delete()
    assert_kept()
    assert sum(c.subscriptions for c in audience_counts(DAY).values()) == 2


@BOTH
def test_the_counts_on_any_day(
    dialect: str, newsletter: Newsletter, alice: User, bob: User
) -> None:
    """Current, ending within 30 days, ended and never downloaded, as the
    audience page asked them of every subscription."""
    on(dialect)
    issue = publish(newsletter, editor=alice, reviewer=bob, number=1)
    shapes = {
        "open": (None, None),
        "begun": (days(-10), None),
        "ends-soon": (None, days(10)),
        "ends-today": (None, DAY),
        "ended": (days(-60), days(-1)),
        "not-begun": (days(3), days(100)),
        "backwards-future": (days(20), days(-20)),  # begins after it ends
    }
    for name, (starts_on, ends_on) in shapes.items():
        reader = factories.make_subscriber(name, newsletter)
        Subscription.objects.filter(user=reader).update(starts_on=starts_on, ends_on=ends_on)
    download(issue, User.objects.get(username="open"))

    counts = audience_counts(DAY)[newsletter.pk]
    assert counts == AudienceCounts(subscriptions=7, current=4, ending=2, ended=2, never=6)
    for day in (days(-30), DAY, days(11), days(200)):
        expected = Subscription.objects.filter(newsletter=newsletter)
        assert audience_counts(day)[newsletter.pk].current == expected.current(day).count()
    assert audience_counts(DAY, newsletter_id=newsletter.pk) == {newsletter.pk: counts}
    assert audience_counts(DAY, newsletter_id=newsletter.pk + 1) == {}


@BOTH
def test_recount_mends_what_was_changed_behind_the_triggers(
    dialect: str, newsletter: Newsletter
) -> None:
    on(dialect)
    factories.make_subscriber("ann", newsletter)
    factories.make_subscriber("ben", newsletter)
    AudienceTally.objects.filter(edge="e").update(subscriptions=7)
    with pytest.raises(CommandError, match="1 total"):
        call_command("recount_audience", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("recount_audience", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_kept()
    assert audience_counts(DAY)[newsletter.pk].current == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["subscription", "download"])
def test_a_first_download_and_a_new_subscription_at_once_are_both_counted(
    first: str, newsletter: Newsletter, alice: User, bob: User
) -> None:
    """Two transactions, neither seeing the other's row: the second waits on
    the reader's account row, then decides on what the first committed."""
    on("postgresql")
    other = factories.make_newsletter("Energy", "energy")
    issue = publish(newsletter, editor=alice, reviewer=bob, number=1)
    reader = factories.make_subscriber("ann", newsletter)
    writes = {
        "subscription": lambda: Subscription.objects.create(user=reader, newsletter=other),
        "download": lambda: download(issue, reader),
    }
    second = "download" if first == "subscription" else "subscription"
    started, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def write_second() -> None:
        try:
            started.wait(10)
            with transaction.atomic():
                writes[second]()
            done.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=write_second)
    thread.start()
    with transaction.atomic():
        writes[first]()
        started.set()
        # The second is waiting on the lock, not finished without it.
        assert not done.wait(1.0)
    thread.join(10)
    assert not errors, errors
    assert done.is_set()
    assert_kept()
    assert audience_counts(DAY)[other.pk].never == 0


BEFORE_TALLY = [("issues", "0029_audience_search_trigram_indexes")]


@BOTH
@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_subscriptions_already_there(
    dialect: str, alice: User, bob: User
) -> None:
    """Migration 0030 fills the tally from what the database holds, then its
    triggers keep it; going back drops both."""
    on(dialect)
    newsletter = factories.make_newsletter()
    issue = publish(newsletter, editor=alice, reviewer=bob, number=1)
    migrate(BEFORE_TALLY)
    for name, ends_on in (("ann", None), ("ben", days(-3)), ("cat", days(12))):
        reader = factories.make_subscriber(name, newsletter)
        Subscription.objects.filter(user=reader).update(ends_on=ends_on, starts_on=days(-40))
    download(issue, User.objects.get(username="ann"))

    migrate()

    assert_kept()
    assert audience_counts(DAY)[newsletter.pk] == AudienceCounts(
        subscriptions=3, current=2, ending=1, ended=1, never=2
    )
    factories.make_subscriber("dan", newsletter)
    assert_kept()
