"""A reader leaves a newsletter's mail from the link in it and comes back
from the account page, in Chromium; axe-core runs on every page on the way
(the confirm page, the done page, a broken link's page, the account page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from issues.models.mail_optout import How, MailOptOut, MailPreferenceChange
from issues.readers.mail_optout import unsubscribe_path
from tests import factories
from tests.e2e.test_accessibility import blocking_violations, table


@pytest.mark.django_db(transaction=True)
def test_a_reader_unsubscribes_from_the_mail_link_and_comes_back_from_the_account(
    page: Page, live_server: Any, login: Callable[[Page, str], None]
) -> None:
    ict = factories.make_newsletter()
    dave = factories.make_subscriber("dave", ict)
    axe, rows = Axe(), []

    def check(name: str) -> None:
        results = axe.run(page).response
        assert results["passes"], f"axe-core checked nothing on {name}"
        rows.extend(blocking_violations(results, role="subscriber", page=name))

    # From the mail, without signing in: GET asks, the button unsubscribes.
    page.goto(live_server.url + unsubscribe_path(dave.pk, ict.pk))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Unsubscribe from")
    check("unsubscribe-confirm")
    assert not MailOptOut.objects.exists()
    page.get_by_role("button", name="Unsubscribe from this mail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("No more mail of")
    check("unsubscribe-done")
    assert MailOptOut.objects.get(user=dave).how == How.CONFIRM_PAGE

    page.goto(live_server.url + "/mail/unsubscribe/not-a-token/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("not valid")
    check("unsubscribe-invalid")

    # Signed in, the account page turns the mail back on.
    login(page, "dave")
    page.goto(f"{live_server.url}/accounts/profile/")
    mail = page.get_by_test_id("mail-preferences")
    expect(mail).to_contain_text("no mail")
    check("account-mail-off")
    mail.get_by_role("button", name=f"Mail me again about {ict.title}").click()
    expect(
        page.get_by_text(f"Each new issue of {ict.title} will be mailed to you.")
    ).to_be_visible()
    expect(page.get_by_test_id("mail-preferences")).to_contain_text("mailed to you")
    check("account-mail-on")
    assert not MailOptOut.objects.exists()
    assert MailPreferenceChange.objects.filter(user=dave, mail=True).count() == 1

    assert not rows, "serious or critical axe-core violations:\n" + table(rows)
