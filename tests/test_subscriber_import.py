"""Subscriber lists in and out: the dry run, the atomic apply, re-imports
that update without duplicating, the desk page and the export. Runs on
SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from issues.models import Subscription
from issues.models.subscribers import ReaderProfile, SubscriberImport
from issues.readers.subscribers import apply_import, plan_import
from newsroom import roles
from newsroom.models import Newsletter
from tests import factories

HEADINGS = "email,name,organisation,newsletters,end date\n"


def thousand_rows() -> tuple[str, dict[int, str]]:
    """1,000 readers with a bad line every 97 lines; the bad lines by number."""
    lines, bad = [HEADINGS], {}
    for i in range(1000):
        number = i + 2  # line 1 holds the headings
        kind = i % 97
        if kind == 13:
            lines.append(f"not-an-address-{i},Reader {i},Bank,ict,\n")
            bad[number] = "is not an email address"
        elif kind == 29:
            lines.append(f"reader{i}@example.org,Reader {i},Bank,ict;nope,\n")
            bad[number] = "unknown newsletter “nope”"
        elif kind == 41:
            lines.append(f"reader{i}@example.org,Reader {i},Bank,ict,31/03/2027\n")
            bad[number] = "is not a date"
        elif kind == 53:
            lines.append("READER0@example.org,Again,Bank,ict,\n")
            bad[number] = "duplicate of line 2"
        else:
            lines.append(
                f"reader{i}@example.org,Reader {i},Ministry of Energy,ict;mining,2027-03-31\n"
            )
    return "".join(lines), bad


@pytest.fixture
def newsletters(db: None) -> list[Newsletter]:
    return [factories.make_newsletter(), factories.make_newsletter("Mining", "mining")]


@pytest.fixture
def publisher(db: None) -> User:
    return User.objects.create_superuser("pat", "pat@example.org", factories.PASSWORD)


def test_a_dry_run_names_each_bad_line_and_changes_nothing(
    newsletters: list[Newsletter], publisher: User, tmp_path: Path
) -> None:
    text, bad = thousand_rows()
    path = tmp_path / "readers.csv"
    path.write_text(text, encoding="utf-8")
    users_before = User.objects.count()
    out = io.StringIO()

    call_command("import_subscribers", str(path), "--dry-run", stdout=out)

    report = out.getvalue().splitlines()
    refused = {int(r.split(":")[0].removeprefix("line ")): r for r in report if ": refuse " in r}
    assert set(refused) == set(bad)
    for number, why in bad.items():
        assert why in refused[number]
    summary = f"{1000 - len(bad)} to create, 0 to update, {len(bad)} refused"
    assert report[-1] == f"dry run: {summary}; nothing was changed"
    assert User.objects.count() == users_before
    assert not Subscription.objects.exists()
    assert not mail.outbox


def test_an_import_creates_readers_then_a_reimport_updates_them_without_duplicates(
    newsletters: list[Newsletter],
    publisher: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    text, bad = thousand_rows()
    path = tmp_path / "readers.csv"
    path.write_text(text, encoding="utf-8")
    good = 1000 - len(bad)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True) as queued:
        call_command("import_subscribers", str(path), stdout=out)

    assert len(queued) == 1  # the invitations wait for the commit
    assert out.getvalue().splitlines()[-1] == f"created {good}, updated 0, refused {len(bad)}"
    readers = User.objects.filter(groups__name=roles.SUBSCRIBERS)
    assert readers.count() == good
    assert Subscription.objects.count() == 2 * good
    assert set(Subscription.objects.values_list("ends_on", flat=True)) == {
        datetime.date(2027, 3, 31)
    }
    reader = User.objects.get(email="reader1@example.org")
    assert (reader.first_name, reader.last_name) == ("Reader", "1")
    assert reader.reader_profile.organisation == "Ministry of Energy"
    assert not reader.has_usable_password()
    # Invitations were queued after commit (the immediate backend ran them).
    assert len(mail.outbox) == good
    assert "reader1@example.org" in {m.to[0] for m in mail.outbox}

    # Again, in other case, with a new end date and name: updated, not doubled.
    again = text.replace("reader", "READER").replace("2027-03-31", "2027-06-30")
    again = again.replace("Ministry of Energy", "Treasury")
    path.write_text(again, encoding="utf-8")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_subscribers", str(path), stdout=out)

    assert out.getvalue().splitlines()[-1] == f"created 0, updated {good}, refused {len(bad)}"
    assert User.objects.filter(groups__name=roles.SUBSCRIBERS).count() == good
    assert Subscription.objects.count() == 2 * good
    assert Subscription.objects.filter(ends_on="2027-06-30").count() == 2 * good
    assert ReaderProfile.objects.filter(organisation="Treasury").count() == good
    assert len(mail.outbox) == good  # no second invitation


def test_an_existing_reader_keeps_their_account_and_other_subscriptions(
    newsletters: list[Newsletter], publisher: User
) -> None:
    _ict, mining = newsletters
    dave = factories.make_subscriber("dave", mining)
    plan = plan_import(HEADINGS + "Dave@Example.org,Dave Jones,Bank,ict,\n")

    assert [line.action for line in plan.lines] == ["update"]
    apply_import(plan, by=publisher)

    dave.refresh_from_db()
    assert dave.check_password(factories.PASSWORD)
    assert set(dave.subscriptions.values_list("newsletter__slug", "ends_on")) == {
        ("ict", None),
        ("mining", None),
    }
    assert not mail.outbox


def test_the_command_refuses_an_unreadable_file(
    newsletters: list[Newsletter], tmp_path: Path
) -> None:
    path = tmp_path / "readers.csv"
    path.write_bytes(b"name,organisation\nDave,Bank\n")
    with pytest.raises(CommandError, match="Line 1 must name the columns"):
        call_command("import_subscribers", str(path))
    path.write_bytes("email\ncaf\xe9@example.org\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_subscribers", str(path))


# The desk page ---------------------------------------------------------------


def upload(client: Client, text: str) -> object:
    file = SimpleUploadedFile("readers.csv", text.encode(), content_type="text/csv")
    return client.post("/desk/issues/subscribers/import/", {"file": file})


def test_the_page_shows_the_dry_run_and_applies_only_on_confirmation(
    newsletters: list[Newsletter], publisher: User
) -> None:
    client = factories.client_for(publisher)
    text = HEADINGS + "ann@example.org,Ann Lee,Bank,ict,2027-01-31\nbroken,,,,\n"

    response = upload(client, text)

    kept = SubscriberImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/issues/subscribers/import/{kept.pk}/"
    report = client.get(response["Location"])
    assert "1 to create, 0 to update, 1 refused" in report.content.decode()
    assert "“broken” is not an email address" in report.content.decode()
    assert not User.objects.filter(email="ann@example.org").exists()

    confirmed = client.post(f"/desk/issues/subscribers/import/{kept.pk}/", follow=True)

    assert "Imported: 1 created, 0 updated, 1 refused." in confirmed.content.decode()
    ann = User.objects.get(email="ann@example.org")
    assert ann.subscriptions.get().ends_on.isoformat() == "2027-01-31"
    kept.refresh_from_db()
    assert kept.applied_at is not None
    assert (kept.text, kept.outcome) == ("", "1 created, 0 updated, 1 refused")
    again = client.get(f"/desk/issues/subscribers/import/{kept.pk}/").content.decode()
    assert ": 1 created, 0 updated, 1 refused." in again
    # Confirming twice changes nothing.
    client.post(f"/desk/issues/subscribers/import/{kept.pk}/")
    assert User.objects.filter(email="ann@example.org").count() == 1


def test_a_new_upload_replaces_the_publishers_unconfirmed_one(
    newsletters: list[Newsletter], publisher: User
) -> None:
    client = factories.client_for(publisher)
    upload(client, HEADINGS + "ann@example.org,,,,\n")
    upload(client, HEADINGS + "bo@example.org,,,,\n")
    assert list(SubscriberImport.objects.values_list("text", flat=True)) == [
        HEADINGS + "bo@example.org,,,,\n"
    ]


def test_a_file_that_is_not_a_list_is_refused_with_words(
    newsletters: list[Newsletter], publisher: User
) -> None:
    response = upload(factories.client_for(publisher), "name\nDave\n")

    assert response.status_code == 200
    assert "Line 1 must name the columns" in response.content.decode()
    assert not SubscriberImport.objects.exists()


def test_editors_reviewers_and_readers_are_not_publishers(
    newsletters: list[Newsletter], publisher: User
) -> None:
    kept = SubscriberImport.objects.create(uploaded_by=publisher, filename="x.csv", text=HEADINGS)
    for user in (
        factories.make_editor(),
        factories.make_reviewer(),
        factories.make_subscriber(),
        factories.make_user("sam", is_staff=True),  # staff who may not add accounts
    ):
        client = factories.client_for(user)
        for url in (
            "/desk/issues/subscribers/import/",
            f"/desk/issues/subscribers/import/{kept.pk}/",
            "/desk/issues/audience/",
            "/desk/issues/audience.csv",
        ):
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(f"/desk/issues/subscribers/import/{kept.pk}/").status_code == 403


def test_the_export_has_the_import_columns_and_formula_safe_cells(
    newsletters: list[Newsletter], publisher: User
) -> None:
    plan = plan_import(
        HEADINGS
        + "ann@example.org,=HYPERLINK(1),+Bank,ict;mining,2027-01-31\n"
        + "bo@example.org,Bo,,ict,\n"
    )
    apply_import(plan, by=publisher)

    response = factories.client_for(publisher).get("/desk/issues/audience.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["email", "name", "organisation", "newsletters", "end date"]
    assert sorted(rows[1:]) == [
        ["ann@example.org", "'=HYPERLINK(1)", "'+Bank", "ict;mining", "2027-01-31"],
        ["bo@example.org", "Bo", "", "ict", ""],
    ]
