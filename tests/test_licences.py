"""Organisations' licences: seats enforced, access from the first to the last
day on every way in (a seat is a subscription, under the one rule), a page
that says why and whom to ask, reminders once each to the publisher and the
organisation's contacts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from issues.models import Issue, Subscription
from issues.models.licences import Licence, LicenceFull, Organisation
from issues.publishing.delivery import readers_of
from issues.readers.licences import free_seat, sync_licence, take_seat
from issues.readers.subscribers import apply_import, plan_import
from newsroom import roles
from newsroom.models import Newsletter
from newsroom.models.planning import DeskNotice
from newsroom.planning.reminders import check_deadlines
from tests import factories
from tests.issue_helpers import publish
from tests.test_subscription_ends import ways_in

pytestmark = pytest.mark.clock("2027-03-01 09:00 +00:00")

STARTS = datetime.date(2027, 3, 5)
ENDS = datetime.date(2027, 3, 31)


def at(day: datetime.date) -> time_machine.travel:
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=datetime.UTC), tick=False
    )


@pytest.fixture
def ministry(db: None) -> Organisation:
    organisation = Organisation.objects.create(
        name="Ministry of Energy", email_domain="energy.example"
    )
    organisation.contacts.add(user_at("mo", "energy.example"))
    return organisation


@pytest.fixture
def licence(ministry: Organisation, newsletter: Newsletter) -> Licence:
    licence = Licence.objects.create(organisation=ministry, seats=2, starts_on=STARTS, ends_on=ENDS)
    licence.newsletters.add(newsletter)
    return licence


def user_at(name: str, domain: str) -> User:
    user = factories.make_user(name)
    user.email = f"{name}@{domain}"
    user.save(update_fields=["email"])
    return user


def reader(name: str) -> User:
    return user_at(name, "energy.example")


def test_seats_are_counted_and_a_freed_seat_can_be_taken(licence: Licence) -> None:
    ann, ben, cat = reader("ann"), reader("ben"), reader("cat")
    take_seat(licence=licence, user=ann)
    take_seat(licence=licence, user=ben)
    take_seat(licence=licence, user=ben)  # again: the same seat

    with pytest.raises(LicenceFull, match="All 2 seats of Ministry of Energy's licence are taken"):
        take_seat(licence=licence, user=cat)
    assert not Subscription.objects.filter(user=cat).exists()

    free_seat(licence=licence, user=ben)
    take_seat(licence=licence, user=cat)

    assert set(Subscription.objects.values_list("user__username", "licence", "ends_on")) == {
        ("ann", licence.pk, ENDS),
        ("cat", licence.pk, ENDS),
    }
    assert cat.groups.filter(name=roles.SUBSCRIBERS).exists()


def test_only_the_organisations_domain_takes_its_seats(licence: Licence) -> None:
    outsider = user_at("eve", "elsewhere.example")
    with pytest.raises(ValidationError, match=r"is not at energy\.example"):
        take_seat(licence=licence, user=outsider)
    assert not licence.seats_taken.exists()


def test_a_seat_reads_from_the_first_to_the_last_day_on_every_way_in(
    licence: Licence, newsletter: Newsletter, alice: User, bob: User
) -> None:
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob, number=7)
    ann = reader("ann")
    take_seat(licence=licence, user=ann)
    ann.refresh_from_db()

    with at(STARTS - datetime.timedelta(days=1)):
        assert ways_in(issue, ann)["page"] == 403
        before = factories.client_for(ann).get(issue.get_absolute_url()).content.decode()
        assert f"licence for {newsletter.title} starts on 5 March 2027." in before
    for day in (STARTS, ENDS):
        with at(day):
            assert set(ways_in(issue, ann).values()) == {200}
            assert ann in readers_of(newsletter)
    with at(ENDS + datetime.timedelta(days=1)):
        assert ways_in(issue, ann) == {
            "page": 403,
            "pdf": 403,
            "signed link": 404,
            "feed": 404,
            "feed pdf": 403,
        }
        assert ann not in readers_of(newsletter)
        page = factories.client_for(ann).get(issue.get_absolute_url()).content.decode()
        assert (
            f"Ministry of Energy&#x27;s licence for {newsletter.title} ended on 31 March 2027. "
            "To read on, ask mo@energy.example at Ministry of Energy, or Newsroom Demo Publishing."
        ) in page

        # Renewed: the seats follow the licence at once.
        licence.ends_on = datetime.date(2027, 12, 31)
        licence.save()
        sync_licence(licence)
        assert set(ways_in(issue, ann).values()) == {200}


def test_a_readers_own_subscription_is_not_taken_over_by_a_seat(
    licence: Licence, newsletter: Newsletter
) -> None:
    ann = reader("ann")
    Subscription.objects.create(user=ann, newsletter=newsletter)
    take_seat(licence=licence, user=ann)
    free_seat(licence=licence, user=ann)

    own = Subscription.objects.get(user=ann)
    assert (own.licence, own.ends_on) == (None, None)


def check_on(day: datetime.date) -> None:
    with at(day):
        check_deadlines.call()


def test_the_publisher_and_the_contact_are_reminded_30_and_7_days_before_once_each(
    licence: Licence,
) -> None:
    User.objects.create_superuser("pat", "pat@example.org", "x")
    take_seat(licence=licence, user=reader("ann"))

    for days in (31, 30, 29, 8, 7, 6, 0):
        check_on(ENDS - datetime.timedelta(days=days))

    notices = DeskNotice.objects.order_by("user__username", "created_at")
    assert [(n.user.username, n.message) for n in notices] == [
        (
            name,
            "The licence of Ministry of Energy (1 of 2 seats) ends on 31 March 2027: "
            "renew or let lapse.",
        )
        for name in ("mo", "mo", "pat", "pat")
    ]


def test_the_admin_refuses_more_readers_than_seats(
    licence: Licence, newsletter: Newsletter
) -> None:
    pat = User.objects.create_superuser("pat", "pat@example.org", factories.PASSWORD)
    ann, ben, cat = reader("ann"), reader("ben"), reader("cat")
    data = {
        "organisation": licence.organisation_id,
        "newsletters": [newsletter.pk],
        "seats": 2,
        "starts_on": STARTS.isoformat(),
        "ends_on": ENDS.isoformat(),
        "seats_taken-TOTAL_FORMS": 3,
        "seats_taken-INITIAL_FORMS": 0,
        "seats_taken-MIN_NUM_FORMS": 0,
        "seats_taken-MAX_NUM_FORMS": 1000,
    }
    for i, user in enumerate((ann, ben, cat)):
        data[f"seats_taken-{i}-user"] = user.pk
        data[f"seats_taken-{i}-licence"] = licence.pk
    client = factories.client_for(pat)
    url = f"/admin/issues/licence/{licence.pk}/change/"

    refused = client.post(url, data)

    assert refused.status_code == 200
    assert "This licence has 2 seats; 3 readers were given one." in refused.content.decode()
    assert not licence.seats_taken.exists()

    data["seats_taken-TOTAL_FORMS"] = 2
    saved = client.post(url, data)
    assert saved.status_code == 302
    assert set(Subscription.objects.values_list("user__username", flat=True)) == {"ann", "ben"}


def test_an_import_leaves_a_seats_subscription_to_the_licence(
    licence: Licence, newsletter: Newsletter
) -> None:
    pat = User.objects.create_superuser("pat", "pat@example.org", "x")
    ann = reader("ann")
    take_seat(licence=licence, user=ann)

    plan = plan_import(
        "email,name,organisation,newsletters,end date\nann@energy.example,Ann,,ict,2030-01-01\n"
    )
    apply_import(plan, by=pat)

    held = Subscription.objects.get(user=ann)
    assert (held.licence, held.ends_on) == (licence, ENDS)
