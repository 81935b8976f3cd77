"""The publisher's audience page: per newsletter, current readers, ending
within 30 days, ended, never downloaded; filters; the CSV from there."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from issues.models import Issue, Subscription
from issues.models.licences import Licence, Organisation
from issues.models.subscribers import ReaderProfile
from issues.readers.licences import take_seat
from issues.readers.reach import write_counts
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish

pytestmark = pytest.mark.clock("2027-03-01 09:00 +00:00")


@pytest.fixture
def publisher(db: None) -> User:
    return User.objects.create_superuser("pat", "pat@example.org", factories.PASSWORD)


@pytest.fixture
def readers(newsletter: Newsletter, alice: User, bob: User) -> dict[str, User]:
    """ann: no end, downloaded; ben: ends in 10 days; cat: ended; dan: ends in 90 days."""
    today = timezone.localdate()
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob, number=1)
    people = {}
    for name, days in (("ann", None), ("ben", 10), ("cat", -1), ("dan", 90)):
        user = factories.make_subscriber(name, newsletter)
        ends = None if days is None else today + datetime.timedelta(days=days)
        Subscription.objects.filter(user=user).update(ends_on=ends)
        people[name] = user
    edition = issue.latest_edition
    assert edition is not None
    write_counts({(edition.pk, today, people["ann"].pk, "pdf", "site"): 1})
    return people


def test_the_page_counts_readers_per_newsletter(publisher: User, readers: dict[str, User]) -> None:
    page = factories.client_for(publisher).get("/desk/issues/audience/")
    row = page.context["newsletters"][0]
    counts = row.audience
    assert (counts.current, counts.ending, counts.ended, counts.never) == (3, 1, 1, 3)
    assert "Information and Communication Technology (ICT)" in page.content.decode()


@pytest.mark.parametrize(
    ("show", "who"),
    [
        ("", ["ann", "ben", "cat", "dan"]),
        ("current", ["ann", "ben", "dan"]),
        ("ending", ["ben"]),
        ("lapsed", ["cat"]),
        ("never", ["ben", "cat", "dan"]),
    ],
)
def test_the_filters_and_the_export_agree(
    publisher: User, readers: dict[str, User], show: str, who: list[str]
) -> None:
    client = factories.client_for(publisher)
    page = client.get("/desk/issues/audience/", {"show": show})
    listed = sorted(s.user.username for s in page.context["page"])
    exported = client.get("/desk/issues/audience.csv", {"show": show})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))[1:]

    assert listed == who
    assert sorted(row[0].split("@")[0] for row in rows) == who
    # The number of pages comes from the kept totals: they agree with the list.
    assert page.context["page"].paginator.count == len(who)


def test_a_search_finds_by_organisation_and_a_bad_filter_shows_everything(
    publisher: User, readers: dict[str, User]
) -> None:
    ReaderProfile.objects.create(user=readers["dan"], organisation="Ministry of Energy")
    client = factories.client_for(publisher)
    found = client.get("/desk/issues/audience/", {"q": "energy"})
    assert [s.user.username for s in found.context["page"]] == ["dan"]
    bad = client.get("/desk/issues/audience/", {"show": "nonsense"})
    assert bad.status_code == 200
    assert len(bad.context["page"]) == 4


def test_the_page_shows_each_licences_seats(
    publisher: User, newsletter: Newsletter, readers: dict[str, User]
) -> None:
    ministry = Organisation.objects.create(name="Ministry of Energy")
    licence = Licence.objects.create(
        organisation=ministry,
        seats=12,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=20),
    )
    licence.newsletters.add(newsletter)
    take_seat(licence=licence, user=readers["ann"])

    page = factories.client_for(publisher).get("/desk/issues/audience/")

    [shown] = page.context["licences"]
    assert (shown.organisation.name, shown.used, shown.seats) == ("Ministry of Energy", 1, 12)
    assert "1 of 12" in page.content.decode()


def test_the_page_shows_the_licences_that_end_soonest_and_every_one_on_request(
    publisher: User, newsletter: Newsletter
) -> None:
    today = timezone.localdate()
    for n in range(12):
        Licence.objects.create(
            organisation=Organisation.objects.create(name=f"Ministry {n:02}"),
            seats=5,
            starts_on=today,
            ends_on=today + datetime.timedelta(days=n),
        )
    client = factories.client_for(publisher)

    page = client.get("/desk/issues/audience/", {"show": "current"})
    shown = [licence.organisation.name for licence in page.context["licences"]]
    assert shown == [f"Ministry {n:02}" for n in range(10)]
    text = page.content.decode()
    assert "The 10 licences that end soonest" in text
    assert 'href="?show=current&amp;licences=all#licences-heading">Show every one</a>' in text

    every = client.get("/desk/issues/audience/", {"show": "current", "licences": "all"})
    assert len(every.context["licences"]) == 12
    text = every.content.decode()
    assert 'href="?show=current#licences-heading">Show the 10 that end soonest</a>' in text
    assert 'href="/admin/issues/licence/">in the admin</a>' in text


def test_a_publisher_who_may_not_change_licences_is_told_who_may(
    newsletter: Newsletter,
) -> None:
    publisher = factories.make_user("pia", is_staff=True)
    publisher.user_permissions.add(Permission.objects.get(codename="add_user"))
    Licence.objects.create(
        organisation=Organisation.objects.create(name="Ministry"),
        seats=5,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    page = factories.client_for(publisher).get("/desk/issues/audience/")
    text = page.content.decode()
    assert "in the admin, by staff who may change licences" in text
    assert "/admin/issues/licence/" not in text


AUDIENCE_QUERIES = 12  # at most, with every filter (issue 27's bench: 11-12)


def audience_queries(client: Client, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desk/issues/audience/", params).status_code == 200
    return len(queries.captured_queries)


def add_organisation(n: int, readers: int, newsletter: Newsletter) -> None:
    """An organisation with a licence to two newsletters and `readers` seated readers."""
    today = timezone.localdate()
    ministry = Organisation.objects.create(name=f"Ministry of Energy {n}")
    licence = Licence.objects.create(
        organisation=ministry, seats=20, starts_on=today, ends_on=today
    )
    licence.newsletters.add(newsletter, factories.make_newsletter(f"Sector {n}", f"s-{n}"))
    for m in range(readers):
        reader = factories.make_subscriber(f"reader-{n}-{m}", newsletter)
        ReaderProfile.objects.create(user=reader, organisation=ministry.name)
        take_seat(licence=licence, user=reader)


def test_the_page_runs_as_many_queries_for_forty_readers_and_licences_as_for_five(
    publisher: User, newsletter: Newsletter, readers: dict[str, User]
) -> None:
    client = factories.client_for(publisher)
    filters = [
        {},
        {"newsletter": str(newsletter.pk)},
        *({"show": show} for show in ("current", "ending", "lapsed", "never")),
        {"q": "energy"},
        {"newsletter": str(newsletter.pk), "show": "never", "q": "energy"},
    ]
    add_organisation(0, 1, newsletter)
    few = [audience_queries(client, params) for params in filters]
    for n in range(1, 4):
        add_organisation(n, 12, newsletter)

    many = [audience_queries(client, params) for params in filters]

    assert many == few
    assert max(many) <= AUDIENCE_QUERIES
