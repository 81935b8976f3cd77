"""An organisation's contact manages its readers on its own page: their own
organisations only (another's is a 404, a reader without contact status
sees none), the publisher any; a reader added to a free seat (a new address
gets an account and a queued invitation), refused when the seats are full,
outside the domain or malformed; a reader removed loses access on every way
in at once, keeping their own subscriptions and account; each change an
audit row. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import roles as issue_roles
from issues.models import Issue, Subscription
from issues.models.licences import Licence, Organisation, Seat, SeatChange
from issues.readers.licences import take_seat
from newsroom import roles
from newsroom.models import Newsletter
from tests import factories
from tests.issue_helpers import publish
from tests.test_licences import reader, user_at
from tests.test_subscription_ends import ways_in

pytestmark = pytest.mark.clock("2027-03-01 09:00 +00:00")


@pytest.fixture
def mo(db: None) -> User:
    """The Ministry's contact: a reader, not staff."""
    return user_at("mo", "energy.example")


@pytest.fixture
def ministry(mo: User) -> Organisation:
    organisation = Organisation.objects.create(
        name="Ministry of Energy", email_domain="energy.example"
    )
    organisation.contacts.add(mo)
    return organisation


@pytest.fixture
def licence(ministry: Organisation, newsletter: Newsletter) -> Licence:
    licence = Licence.objects.create(
        organisation=ministry,
        seats=2,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 3, 20),
    )
    licence.newsletters.add(newsletter)
    return licence


@pytest.fixture
def treasury(db: None, newsletter: Newsletter) -> Organisation:
    organisation = Organisation.objects.create(name="Treasury", email_domain="treasury.example")
    organisation.contacts.add(user_at("tom", "treasury.example"))
    other = Licence.objects.create(
        organisation=organisation,
        seats=5,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    other.newsletters.add(newsletter)
    take_seat(licence=other, user=user_at("tess", "treasury.example"))
    return organisation


def page_of(organisation: Organisation) -> str:
    return reverse("issues:organisation", args=[organisation.pk])


def add(
    client: Client, organisation: Organisation, licence: Licence, email: str, **more: Any
) -> Any:
    return client.post(
        page_of(organisation), {"email": email, "licence": licence.pk, **more}, follow=True
    )


# Who may see the page ---------------------------------------------------------


def test_the_contact_sees_the_licences_and_readers_of_their_organisation(
    mo: User, licence: Licence, ministry: Organisation
) -> None:
    take_seat(licence=licence, user=reader("ann"))

    page = factories.client_for(mo).get(page_of(ministry)).content.decode()

    assert "<h1" in page and "Ministry of Energy" in page
    assert "1 of 2" in page
    assert "ends in 19 days" in page
    assert "ann@energy.example" in page
    assert "none yet" in page  # ann never downloaded


def test_the_account_page_links_a_contact_to_their_organisation(
    mo: User, ministry: Organisation
) -> None:
    account = factories.client_for(mo).get(reverse("issues:account")).content.decode()
    assert page_of(ministry) in account


def test_a_contact_gets_a_404_for_another_organisation(
    mo: User, ministry: Organisation, treasury: Organisation, licence: Licence
) -> None:
    client = factories.client_for(mo)
    tess = Seat.objects.get(licence__organisation=treasury)

    assert client.get(page_of(treasury)).status_code == 404
    assert (
        client.post(page_of(treasury), {"email": "x@treasury.example", "licence": licence.pk})
    ).status_code == 404
    removal = reverse("issues:organisation_remove_reader", args=[treasury.pk, tess.pk])
    assert client.post(removal, {"confirm": "1"}).status_code == 404
    # Nor through their own organisation's address with the other's seat.
    removal = reverse("issues:organisation_remove_reader", args=[ministry.pk, tess.pk])
    assert client.post(removal, {"confirm": "1"}).status_code == 404
    assert Seat.objects.filter(pk=tess.pk).exists()


def test_a_reader_who_is_no_contact_sees_no_organisation(
    ministry: Organisation, licence: Licence
) -> None:
    ann = reader("ann")
    take_seat(licence=licence, user=ann)
    client = factories.client_for(ann)

    assert client.get(page_of(ministry)).status_code == 404
    assert add(client, ministry, licence, "ben@energy.example").status_code == 404
    assert not User.objects.filter(email="ben@energy.example").exists()
    assert Client().get(page_of(ministry)).status_code == 302  # to sign in


def test_the_publisher_may_use_the_page_of_any_organisation(
    ministry: Organisation, licence: Licence, treasury: Organisation
) -> None:
    pat = User.objects.create_superuser("pat", "pat@example.org", factories.PASSWORD)
    client = factories.client_for(pat)

    assert "tess@treasury.example" in client.get(page_of(treasury)).content.decode()
    answer = add(client, ministry, licence, "ben@energy.example", name="Ben Ames")

    assert "ben@energy.example has a seat now" in answer.content.decode()
    change = SeatChange.objects.get(user__email="ben@energy.example")
    assert (change.taken, change.by, change.how) == (True, pat, SeatChange.How.CONTACT_PAGE)


# Adding ------------------------------------------------------------------------


def test_a_contact_adds_a_new_address_and_the_invitation_is_queued_not_sent(
    mo: User,
    ministry: Organisation,
    licence: Licence,
    newsletter: Newsletter,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = factories.client_for(mo)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = add(client, ministry, licence, "Ben@Energy.example", name="Ben Ames")

    assert "has a seat now; an invitation to choose a password is on its way" in answer.text
    assert mail.outbox == []  # nothing sent inside the request
    ben = User.objects.get(email__iexact="ben@energy.example")
    assert (ben.first_name, ben.last_name) == ("Ben", "Ames")
    assert not ben.has_usable_password()
    assert ben.groups.filter(name=roles.SUBSCRIBERS).exists()
    assert ben.reader_profile.organisation == "Ministry of Energy"
    assert Subscription.objects.get(user=ben).licence == licence
    change = SeatChange.objects.get(user=ben)
    assert (change.taken, change.by, change.licence) == (True, mo, licence)

    for callback in queued:
        callback()  # the queue runs the task (the immediate backend, here)
    [invitation] = mail.outbox
    assert invitation.to == ["Ben@energy.example"]
    assert "mo of Ministry of Energy has given you a seat on its licence" in invitation.body
    assert "Choose your password here" in invitation.body and "/reset/" in invitation.body
    assert f"- {newsletter.title}" in invitation.body


def test_an_existing_account_gets_the_seat_and_keeps_its_name_and_password(
    mo: User, ministry: Organisation, licence: Licence, django_capture_on_commit_callbacks: Any
) -> None:
    ann = reader("ann")
    with django_capture_on_commit_callbacks(execute=True):
        answer = add(factories.client_for(mo), ministry, licence, "ANN@energy.example", name="X Y")

    assert "a mail saying so is on its way" in answer.text
    ann.refresh_from_db()
    assert (ann.first_name, ann.check_password(factories.PASSWORD)) == ("", True)
    assert Seat.objects.filter(licence=licence, user=ann).exists()
    assert User.objects.filter(email__iexact="ann@energy.example").count() == 1
    [told] = mail.outbox
    assert "Choose your password" not in told.body and "Forgotten your password?" in told.body


@pytest.mark.parametrize(
    ("email", "why"),
    [
        ("eve@elsewhere.example", "is not at energy.example: the seats of Ministry of Energy"),
        ("not an address", "Enter a valid email address."),
    ],
)
def test_an_address_outside_the_domain_or_malformed_is_refused(
    mo: User, ministry: Organisation, licence: Licence, email: str, why: str
) -> None:
    answer = add(factories.client_for(mo), ministry, licence, email)

    assert answer.status_code == 400
    assert why in answer.content.decode().replace("&#x27;", "'")
    assert not Seat.objects.exists() and not SeatChange.objects.exists()
    assert not User.objects.filter(email=email).exists()


def test_no_reader_is_added_when_every_seat_is_taken(
    mo: User, ministry: Organisation, licence: Licence
) -> None:
    client = factories.client_for(mo)
    add(client, ministry, licence, "ann@energy.example")
    add(client, ministry, licence, "ben@energy.example")

    answer = add(client, ministry, licence, "cat@energy.example", name="Cat")

    assert answer.status_code == 400
    assert "All 2 seats of this licence are taken: remove a reader to free one" in answer.text
    assert not User.objects.filter(email="cat@energy.example").exists()  # no account either
    assert licence.seats_taken.count() == 2


def test_a_licence_of_another_organisation_is_not_a_choice(
    mo: User, ministry: Organisation, treasury: Organisation, licence: Licence
) -> None:
    theirs = treasury.licences.get()
    answer = add(factories.client_for(mo), ministry, theirs, "ann@energy.example")

    assert answer.status_code == 400
    assert "Select a valid choice" in answer.text
    assert not User.objects.filter(email="ann@energy.example").exists()


def test_an_ended_licence_takes_no_reader(
    mo: User, ministry: Organisation, licence: Licence, clock: Any
) -> None:
    clock.move_to(datetime.datetime(2027, 3, 21, 9, 0, tzinfo=datetime.UTC))
    client = factories.client_for(mo)

    page = client.get(page_of(ministry)).text
    answer = add(client, ministry, licence, "ann@energy.example")

    assert "20 March 2027 <strong>(ended)</strong>" in page
    assert "No licence of this organisation is current" in page
    assert answer.status_code == 400
    assert not Seat.objects.exists()


# Removing ----------------------------------------------------------------------


def test_removing_asks_first_then_frees_the_seat_and_ends_access_on_every_way_in(
    mo: User,
    ministry: Organisation,
    licence: Licence,
    newsletter: Newsletter,
    alice: User,
    bob: User,
) -> None:
    issue: Issue = publish(newsletter, editor=alice, reviewer=bob, number=7)
    ann = reader("ann")
    seat = take_seat(licence=licence, user=ann)
    ann.refresh_from_db()
    assert set(ways_in(issue, ann).values()) == {200}
    client = factories.client_for(mo)
    removal = reverse("issues:organisation_remove_reader", args=[ministry.pk, seat.pk])

    assert client.get(removal).status_code == 405
    asked = client.post(removal)
    assert "Remove the reader" in asked.text and Seat.objects.filter(pk=seat.pk).exists()

    done = client.post(removal, {"confirm": "1"}, follow=True)

    assert "ann@energy.example no longer has a seat" in done.text
    assert not Seat.objects.filter(pk=seat.pk).exists()
    assert ways_in(issue, ann) == {
        "page": 404,
        "pdf": 404,
        "signed link": 404,
        "feed": 404,
        "feed pdf": 404,
    }
    change = SeatChange.objects.get(user=ann, taken=False)
    assert (change.by, change.how) == (mo, SeatChange.How.CONTACT_PAGE)
    # The freed seat is free: the next reader takes it.
    add(client, ministry, licence, "ben@energy.example")
    assert licence.seats_taken.count() == 1


def test_removing_keeps_the_readers_own_subscriptions_and_account(
    mo: User, ministry: Organisation, licence: Licence, newsletter: Newsletter
) -> None:
    mining = factories.make_newsletter("Mining", "mining")
    ann = reader("ann")
    Subscription.objects.create(user=ann, newsletter=mining)
    seat = take_seat(licence=licence, user=ann)

    factories.client_for(mo).post(
        reverse("issues:organisation_remove_reader", args=[ministry.pk, seat.pk]), {"confirm": "1"}
    )

    ann.refresh_from_db()
    assert ann.is_active and ann.check_password(factories.PASSWORD)
    assert list(Subscription.objects.filter(user=ann).values_list("newsletter", "licence")) == [
        (mining.pk, None)
    ]


def test_the_page_asks_as_many_queries_for_many_readers_as_for_one(
    mo: User, ministry: Organisation, licence: Licence
) -> None:
    licence.seats = 30
    licence.save()
    take_seat(licence=licence, user=reader("ann"))
    client = factories.client_for(mo)
    with CaptureQueriesContext(connection) as one:
        client.get(page_of(ministry))
    for n in range(20):
        take_seat(licence=licence, user=reader(f"reader{n}"))

    with CaptureQueriesContext(connection) as many:
        page = client.get(page_of(ministry)).text

    assert "reader19@energy.example" in page
    assert len(many) == len(one)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers and has no SELECT ... FOR UPDATE; run on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_contacts_adding_for_the_last_seat_at_once_seat_one(
    mo: User, ministry: Organisation, licence: Licence
) -> None:
    issue_roles.sync_roles()  # an earlier transactional test may have flushed the groups
    take_seat(licence=licence, user=reader("ann"))  # one of two seats left
    maud = user_at("maud", "energy.example")
    ministry.contacts.add(maud)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def add_as(contact: User, email: str) -> None:
        try:
            barrier.wait(timeout=20)
            answer = add(factories.client_for(contact), ministry, licence, email)
            outcomes[email] = "seated" if "has a seat now" in answer.text else answer.text
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add_as, args=(who, email))
        for who, email in ((mo, "ben@energy.example"), (maud, "cat@energy.example"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(v == "seated" for v in outcomes.values()) == [False, True]
    loser = next(email for email, v in outcomes.items() if v != "seated")
    assert "All 2 seats of this licence are taken" in outcomes[loser]
    assert licence.seats_taken.count() == 2
    assert not User.objects.filter(email=loser).exists()  # its account rolled back too
