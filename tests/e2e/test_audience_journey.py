"""The publisher imports a subscriber list on the desk page (dry run, then
confirm); a reader from the list signs in and reads; an organisation's
contact adds a reader to the last free seat of its licence and is refused
the next; the clock moves past the reader's end date, then past the
licence's last day, and each reader sees why they may no longer read.
axe-core on every page of the way, screenshots at 1280 and 390 px."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from issues.models import Subscription
from issues.models.licences import Licence, Organisation
from issues.readers.licences import take_seat
from tests import factories
from tests.e2e.test_accessibility import SCREENSHOTS, WIDTHS, blocking_violations, table
from tests.issue_helpers import publish

LIST = (
    "email,name,organisation,newsletters,end date\n"
    "Grace@Example.org,Grace Hopper,Ministry of Energy,ict,2027-03-10\n"
    "not an address,Nobody,,ict,\n"
    "hal@example.org,Hal Turing,Ministry of Energy,ict;nope,\n"
)


@pytest.mark.clock("2027-03-01 09:00 +00:00")
@pytest.mark.django_db(transaction=True)
def test_a_publisher_imports_a_list_and_a_reader_reads_until_the_end_date(
    page: Page, live_server: Any, login: Callable[[Page, str], None], clock: Any
) -> None:
    ict = factories.make_newsletter()
    alice, bob = factories.make_editor("alice"), factories.make_reviewer("bob")
    issue = publish(ict, editor=alice, reviewer=bob, headlines=("Port Avel lays a cable",))
    User.objects.create_superuser("pat", "pat@example.org", factories.PASSWORD)
    ministry = Organisation.objects.create(name="Ministry of Energy", email_domain="energy.example")
    ministry.contacts.add(
        User.objects.create_user("mo", "mo@energy.example", factories.PASSWORD, first_name="Mo")
    )
    licence = Licence.objects.create(
        organisation=ministry,
        seats=2,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 3, 20),
    )
    licence.newsletters.add(ict)
    ann = User.objects.create_user("ann", "ann@energy.example", factories.PASSWORD)
    take_seat(licence=licence, user=ann)
    axe, rows = Axe(), []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(name: str, role: str) -> None:
        results = axe.run(page).response
        assert results["passes"], f"axe-core checked nothing on {name}"
        rows.extend(blocking_violations(results, role=role, page=name))
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=SCREENSHOTS / f"audience-{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    # The publisher: upload, read the dry run, confirm.
    login(page, "pat")
    page.get_by_role("link", name="Audience").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audience")
    expect(page.get_by_test_id("licences")).to_contain_text("1 of 2")
    check("audience-empty", "publisher")
    page.get_by_role("link", name="Import subscribers").click()
    check("import", "publisher")
    page.get_by_label("Subscriber list (CSV)").set_input_files(
        files=[{"name": "readers.csv", "mimeType": "text/csv", "buffer": LIST.encode()}]
    )
    page.get_by_role("button", name="Check the list").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text(
        "1 to create, 0 to update, 2 refused. Nothing has changed yet."
    )
    refused = page.get_by_test_id("refused")
    expect(refused).to_contain_text("“not an address” is not an email address")
    expect(refused).to_contain_text("unknown newsletter “nope”")
    expect(refused.get_by_role("row").nth(1)).to_contain_text("3")  # line 3
    check("import-report", "publisher")
    assert not User.objects.filter(email__iexact="grace@example.org").exists()
    page.get_by_role("button", name=re.compile(r"^Import 1 reader")).click()
    expect(page.get_by_text("Imported: 1 created, 0 updated, 2 refused.")).to_be_visible()
    expect(page.get_by_test_id("subscriptions")).to_contain_text("grace@example.org")
    check("audience", "publisher")

    # A reader from the list (their password set here, not by the mail's link).
    grace = User.objects.get(email="grace@example.org")
    assert Subscription.objects.get(user=grace).ends_on == datetime.date(2027, 3, 10)
    grace.set_password(factories.PASSWORD)
    grace.save()
    page.context.clear_cookies()
    login(page, grace.username)
    page.goto(live_server.url + issue.get_absolute_url())
    expect(page.get_by_role("heading", name="Port Avel lays a cable")).to_be_visible()

    # The Ministry's contact adds a reader to the last free seat, and is
    # refused the next: the licence is full.
    page.context.clear_cookies()
    login(page, "mo")
    page.get_by_role("link", name="mo", exact=True).click()
    page.get_by_test_id("managed-organisations").get_by_role(
        "link", name="Ministry of Energy"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Energy")
    expect(page.get_by_test_id("org-licences")).to_contain_text("1 of 2")
    expect(page.get_by_test_id("org-licences")).to_contain_text("ends in 19 days")
    expect(page.get_by_test_id("org-readers")).to_contain_text("ann@energy.example")
    check("organisation", "contact")
    form = page.get_by_test_id("add-reader")
    form.get_by_label("Email address").fill("ben@energy.example")
    form.get_by_label("Name").fill("Ben Ames")
    form.get_by_role("button", name="Add reader").click()
    expect(page.get_by_text("ben@energy.example has a seat now")).to_be_visible()
    expect(page.get_by_test_id("org-licences")).to_contain_text("2 of 2 (full)")
    expect(page.get_by_test_id("org-readers")).to_contain_text("Ben Ames")
    check("organisation-added", "contact")
    form.get_by_label("Email address").fill("cat@energy.example")
    form.get_by_role("button", name="Add reader").click()
    expect(
        page.get_by_text("All 2 seats of this licence are taken: remove a reader")
    ).to_be_visible()
    check("organisation-full", "contact")
    assert not User.objects.filter(email="cat@energy.example").exists()
    page.get_by_role("button", name="Remove ann@energy.example").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove ann@energy.example?")
    check("organisation-remove", "contact")
    page.get_by_role("link", name="Keep them").click()
    expect(page.get_by_test_id("org-readers")).to_contain_text("ann@energy.example")

    # Ben, from the contact's page, reads (his password set here too).
    ben = User.objects.get(email="ben@energy.example")
    ben.set_password(factories.PASSWORD)
    ben.save()
    page.context.clear_cookies()
    login(page, ben.username)
    page.goto(live_server.url + issue.get_absolute_url())
    expect(page.get_by_role("heading", name="Port Avel lays a cable")).to_be_visible()

    # Someone at another organisation asks for access: one answer for all.
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Ask for access").click()
    check("join", "visitor")
    page.get_by_label("Your work email address").fill("someone@elsewhere.example")
    page.get_by_role("button", name="Ask for access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    check("join-asked", "visitor")

    # The day after the end date: no more reading, and the page says why.
    page.context.clear_cookies()
    login(page, grace.username)
    clock.move_to(datetime.datetime(2027, 3, 11, 9, 0, tzinfo=datetime.UTC))
    page.goto(live_server.url + issue.get_absolute_url())
    why = f"Your subscription to {ict.title} ended on 10 March 2027."
    expect(page.get_by_text(why)).to_be_visible()
    expect(page.get_by_text("To read on, ask Newsroom Demo Publishing")).to_be_visible()
    check("lapsed-issue", "subscriber")
    page.goto(live_server.url + "/issues/")
    expect(page.get_by_test_id("lapsed")).to_contain_text(why)
    check("lapsed-archive", "subscriber")
    page.goto(live_server.url + "/accounts/profile/")
    expect(page.get_by_test_id("subscription-end")).to_contain_text("ended on 10 March 2027")
    check("account", "subscriber")
    page.goto(live_server.url + "/accounts/delete/")
    check("delete-account", "subscriber")

    # The day after the licence's last day: Ben is told why, and whom to ask.
    clock.move_to(datetime.datetime(2027, 3, 21, 9, 0, tzinfo=datetime.UTC))
    page.context.clear_cookies()
    login(page, ben.username)
    page.goto(live_server.url + issue.get_absolute_url())
    expect(
        page.get_by_text(
            f"Ministry of Energy's licence for {ict.title} ended on 20 March 2027. To read on, "
            "ask mo@energy.example at Ministry of Energy, or Newsroom Demo Publishing"
        )
    ).to_be_visible()
    check("licence-lapsed-issue", "subscriber")
    page.context.clear_cookies()
    login(page, "mo")
    page.goto(live_server.url + f"/accounts/organisations/{ministry.pk}/")
    expect(page.get_by_test_id("org-licences")).to_contain_text("20 March 2027 (ended)")
    expect(page.get_by_text("No licence of this organisation is current")).to_be_visible()
    check("organisation-lapsed", "contact")

    assert not rows, "serious or critical axe-core violations:\n" + table(rows)
