"""Who gets what from every archive, reading, download and feed address.

One published issue and one draft serve the whole table: publishing renders
a real PDF, so the table is one test that collects every answer and compares
it with the expected grid at once (a failure shows every wrong cell).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from tests import factories
from tests.issue_helpers import publish

PERSONAS = ["anonymous", "dave", "frank", "alice", "bob", "staff"]
# anonymous: nobody; dave subscribes to ICT; frank subscribes to Energy only;
# alice edits, bob reviews; staff is a staff member with no role.
LOGIN = 302
ALL_OK = dict.fromkeys(PERSONAS, 200)
ALL_404 = dict.fromkeys(PERSONAS, 404)
READERS_ONLY = {
    "anonymous": LOGIN,
    "dave": 200,
    "frank": 404,
    "alice": 200,
    "bob": 200,
    "staff": 200,
}
NOBODY = {"anonymous": LOGIN} | dict.fromkeys(PERSONAS[1:], 404)

EXPECTED: dict[str, dict[str, int]] = {
    "/": ALL_OK,
    "/issues/": {"anonymous": LOGIN} | dict.fromkeys(PERSONAS[1:], 200),
    "/issues/ict/1/": READERS_ONLY,
    "/issues/ict/1.pdf": READERS_ONLY,
    "/issues/ict/1.html": READERS_ONLY,
    # The draft's number is easy to guess; it has no public address for anyone.
    "/issues/ict/2/": NOBODY,
    "/issues/ict/2.pdf": NOBODY,
    "/issues/ict/2.html": NOBODY,
    "/issues/ict/99.pdf": NOBODY,
    "/issues/nowhere/1.pdf": NOBODY,
    "/feeds/ict.atom": ALL_OK,
    "/feeds/nowhere.atom": ALL_404,
    # The private key is the credential: the session makes no difference.
    "/feeds/private/{dave}/ict.atom": ALL_OK,
    "/feeds/private/{dave}/ict/1.pdf": ALL_OK,
    "/feeds/private/{dave}/ict/2.pdf": ALL_404,
    "/feeds/private/{frank}/ict.atom": ALL_404,
    "/feeds/private/{frank}/ict/1.pdf": ALL_404,
    "/feeds/private/not-a-key/ict/1.pdf": ALL_404,
}


@pytest.mark.django_db
def test_every_subscriber_address_answers_each_persona_as_expected(
    client: Client, newsletter: Newsletter, alice: User, bob: User, dave: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    frank = factories.make_subscriber("frank", energy)
    staff = factories.make_user("sam", is_staff=True)
    publish(newsletter, editor=alice, reviewer=bob, number=1)
    factories.make_issue(newsletter=newsletter, created_by=alice, number=2)
    keys = {
        "dave": PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=dave).key,
        "frank": PrivateAddressKey.objects.create(purpose=Purpose.FEED, user=frank).key,
    }
    users = {"dave": dave, "frank": frank, "alice": alice, "bob": bob, "staff": staff}

    actual: dict[str, dict[str, int]] = {}
    listed: dict[str, bool] = {}
    for persona in PERSONAS:
        client.logout()
        if persona in users:
            client.force_login(users[persona])
        for template in EXPECTED:
            response = client.get(template.format(**keys))
            actual.setdefault(template, {})[persona] = response.status_code
            if response.status_code == LOGIN:
                assert response["Location"].startswith("/accounts/login/?next=")
        archive = client.get("/issues/")
        listed[persona] = archive.status_code == 200 and "/issues/ict/1/" in archive.text

    assert actual == EXPECTED
    # The archive lists what the reader may open, and nothing else.
    assert listed == {"anonymous": False, "dave": True, "frank": False} | {
        "alice": True,
        "bob": True,
        "staff": True,
    }
