"""Subscriber mail as large mailbox providers expect it from a bulk sender:
List-Id, one-click unsubscribe (RFC 2369, RFC 8058) that needs no sign-in,
Message-IDs on the site's domain, Auto-Submitted, two complete parts.
Unsubscribing stops the mail, not the subscription."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from issues.models import Issue, Subscription
from issues.models.mail_optout import How, MailOptOut, MailPreferenceChange
from issues.publishing import delivery
from issues.readers.mail_optout import stop_mail, unsubscribe_path
from newsroom.models import Newsletter
from newsroom.review.transition_mail import send_story_notification
from newsroom.review.workflow import SUBMIT
from tests import factories
from tests.issue_helpers import publish
from tests.smtp_sink import smtp_sink

CaptureCallbacks = Callable[..., Any]
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture(autouse=True)
def site_address(settings: Any) -> None:
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    settings.NEWSROOM_REPLY_TO = "desk@news.example.org"


@pytest.fixture
def outbox(db: None) -> list[EmailMessage]:
    return mail.outbox  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def frank(newsletter: Newsletter) -> User:
    return factories.make_subscriber("frank", newsletter)


def mails_to(outbox: list[EmailMessage], user: User) -> list[EmailMessage]:
    return [message for message in outbox if message.to == [user.email]]


def publish_and_mail(
    capture: CaptureCallbacks, newsletter: Newsletter, alice: User, bob: User, number: int = 12
) -> Issue:
    with capture(execute=True):
        return publish(
            newsletter,
            editor=alice,
            reviewer=bob,
            headlines=("Port Avel lays a harbour cable", "Lowmarsh opens a chip school"),
            number=number,
        )


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.found.append(tag)


def one_click_url(message: EmailMessage) -> str:
    header = message.message()["List-Unsubscribe"]
    return re.search(r"<(https://[^>]+)>", header).group(1)  # type: ignore[union-attr]


def test_an_issue_mail_carries_the_list_headers_and_a_visible_unsubscribe_link(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    outbox: list[EmailMessage],
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
) -> None:
    publish_and_mail(django_capture_on_commit_callbacks, newsletter, alice, bob)

    [message] = mails_to(outbox, dave)
    headers = message.message()
    own = f"https://news.example.org{unsubscribe_path(dave.pk, newsletter.pk)}"
    assert headers["List-Id"] == f'"{newsletter.title}" <ict.newsletters.news.example.org>'
    assert headers["List-Unsubscribe"] == (
        f"<{own}>, <mailto:desk@news.example.org?subject=unsubscribe>"
    )
    assert headers["List-Unsubscribe-Post"] == ONE_CLICK
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["Message-ID"].endswith("@news.example.org>")
    # Both parts are the whole mail: every headline, the links, the way out.
    [(html, mimetype)] = message.alternatives  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    for part in (message.body, html):
        assert "Port Avel lays a harbour cable" in part
        assert "Lowmarsh opens a chip school" in part
        assert "https://news.example.org/issues/ict/12/" in part
        assert own in part
    parser = Headings()
    parser.feed(html)
    assert parser.found.count("h1") == 1
    assert parser.found[0] == "h1"


def test_each_reader_gets_their_own_link(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    outbox: list[EmailMessage],
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
    frank: User,
) -> None:
    publish_and_mail(django_capture_on_commit_callbacks, newsletter, alice, bob)

    [to_dave], [to_frank] = mails_to(outbox, dave), mails_to(outbox, frank)
    assert one_click_url(to_dave) != one_click_url(to_frank)
    assert one_click_url(to_frank) in to_frank.body
    assert one_click_url(to_dave) not in to_frank.body


def test_the_one_click_post_unsubscribes_without_a_session(
    newsletter: Newsletter, dave: User, alice: User, bob: User
) -> None:
    issue = publish(newsletter, editor=alice, reviewer=bob, number=3)
    mailbox = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token

    response = mailbox.post(
        unsubscribe_path(dave.pk, newsletter.pk),
        ONE_CLICK,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    opt_out = MailOptOut.objects.get(user=dave, newsletter=newsletter)
    assert opt_out.how == How.ONE_CLICK
    [change] = MailPreferenceChange.objects.filter(user=dave)
    assert (change.mail, change.how, change.by) == (False, How.ONE_CLICK, None)
    # A mail preference, not the subscription: the archive stays open.
    assert Subscription.objects.filter(user=dave, newsletter=newsletter).exists()
    reader = factories.client_for(dave)
    assert reader.get(issue.get_absolute_url()).status_code == 200
    # A second click changes nothing and writes no second audit row.
    mailbox.post(
        unsubscribe_path(dave.pk, newsletter.pk),
        ONE_CLICK,
        content_type="application/x-www-form-urlencoded",
    )
    assert MailPreferenceChange.objects.filter(user=dave).count() == 1


def test_get_shows_a_confirm_page_and_unsubscribes_nobody(
    newsletter: Newsletter, dave: User
) -> None:
    browser = Client(enforce_csrf_checks=True)
    path = unsubscribe_path(dave.pk, newsletter.pk)

    page = browser.get(path)

    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex"
    assert b"Unsubscribe from this mail</button>" in page.content
    assert not MailOptOut.objects.exists()

    # Its button posts with the page's CSRF token: unsubscribed, from the page.
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)  # type: ignore[union-attr]
    done = browser.post(path, {"csrfmiddlewaretoken": token.decode()})
    assert done.status_code == 200
    assert b"No more mail of" in done.content
    assert MailOptOut.objects.get(user=dave).how == How.CONFIRM_PAGE


def test_a_post_that_is_neither_one_click_nor_from_the_page_is_refused(
    newsletter: Newsletter, dave: User
) -> None:
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_path(dave.pk, newsletter.pk), {"anything": "else"}
    )

    assert response.status_code == 403
    assert not MailOptOut.objects.exists()


def test_the_token_is_refused_for_another_reader_or_newsletter(
    newsletter: Newsletter, dave: User, frank: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    Subscription.objects.create(user=dave, newsletter=energy)
    token = unsubscribe_path(dave.pk, newsletter.pk).rstrip("/").rsplit("/", 1)[1]
    _named, signature = token.split(":", 1)
    mailbox = Client()
    for forged in (f"{frank.pk}.{newsletter.pk}", f"{dave.pk}.{energy.pk}"):
        response = mailbox.post(
            reverse("issues:unsubscribe", args=[f"{forged}:{signature}"]),
            ONE_CLICK,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 404
        assert b"not valid" in response.content
    assert not MailOptOut.objects.exists()


def test_the_reader_turns_the_mail_back_on_from_the_account_page(
    newsletter: Newsletter, dave: User
) -> None:
    stop_mail(user=dave, newsletter=newsletter, how=How.ONE_CLICK, by=None)
    client = factories.client_for(dave)
    page = client.get(reverse("issues:account"))
    assert b"Mail me again" in page.content

    client.post(reverse("issues:mail_preference"), {"newsletter": newsletter.pk, "mail": "on"})

    assert not MailOptOut.objects.exists()
    latest = MailPreferenceChange.objects.filter(user=dave).first()
    assert (latest.mail, latest.how, latest.by) == (True, How.ACCOUNT_PAGE, dave)  # type: ignore[union-attr]
    # And off again from the same page.
    client.post(reverse("issues:mail_preference"), {"newsletter": newsletter.pk, "mail": "off"})
    assert MailOptOut.objects.get(user=dave).how == How.ACCOUNT_PAGE


def test_the_account_page_refuses_a_newsletter_the_reader_does_not_take(
    newsletter: Newsletter, dave: User
) -> None:
    energy = factories.make_newsletter("Energy", "energy")
    client = factories.client_for(dave)

    for data in ({"newsletter": energy.pk, "mail": "off"}, {"newsletter": "x", "mail": "off"}):
        response = client.post(reverse("issues:mail_preference"), data, follow=True)
        assert b"nothing changed" in response.content
    assert not MailOptOut.objects.exists()


def test_delivery_skips_readers_who_turned_the_mail_off(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    outbox: list[EmailMessage],
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
    frank: User,
) -> None:
    stop_mail(user=dave, newsletter=newsletter, how=How.ONE_CLICK, by=None)

    issue = publish_and_mail(django_capture_on_commit_callbacks, newsletter, alice, bob)

    assert mails_to(outbox, dave) == []
    assert len(mails_to(outbox, frank)) == 1
    assert list(issue.deliveries.values_list("user__username", flat=True)) == ["frank"]  # type: ignore[attr-defined]


def test_a_desk_notice_is_marked_auto_generated_with_a_message_id_on_the_site(
    outbox: list[EmailMessage], newsletter: Newsletter, alice: User, bob: User
) -> None:
    story = factories.make_story(author=alice, newsletter=newsletter)

    send_story_notification(story_id=story.pk, transition=SUBMIT.name, by_id=alice.pk, comment="")

    [notice] = outbox
    headers = notice.message()
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["Message-ID"].endswith("@news.example.org>")


def test_the_deploy_check_warns_of_an_http_site_address(settings: Any) -> None:
    from newsroom.checks import check_site_url_is_https

    assert check_site_url_is_https() == []
    settings.NEWSROOM_SITE_URL = "http://news.example.org"
    [warning] = check_site_url_is_https()
    assert warning.id == "newsroom.W010"


def test_over_smtp_each_reader_gets_the_mail_made_whole_from_one_template(
    django_capture_on_commit_callbacks: CaptureCallbacks,
    newsletter: Newsletter,
    alice: User,
    bob: User,
    dave: User,
    frank: User,
    settings: Any,
) -> None:
    """Over SMTP the message is made once per batch and personalised per
    reader (address, unsubscribe link, Message-ID): what arrives reads as the
    mail Django makes for that reader, header for header and part for part."""
    with smtp_sink(delay=0.0, refuse_every=0, keep_messages=True) as (sink, port):
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
            }
        }
        issue = publish_and_mail(django_capture_on_commit_callbacks, newsletter, alice, bob)
    received = {
        to[0]: BytesParser(policy=policy.default).parsebytes(data) for to, data in sink.messages
    }
    mail = delivery.issue_mail(issue)
    message_ids = set()
    for reader in (dave, frank):
        got = received[reader.email]
        expected = mail.to(reader).message()
        for name in ("From", "To", "Subject", "List-Id", "List-Unsubscribe", "Reply-To"):
            assert str(got[name]) == str(expected[name]), name
        for name in ("List-Unsubscribe-Post", "Precedence", "Auto-Submitted"):
            assert got[name] == expected[name], name
        assert got["Message-ID"].endswith("@news.example.org>")
        message_ids.add(got["Message-ID"])
        assert got.get_content_type() == "multipart/alternative"
        for subtype in ("plain", "html"):
            part = got.get_body(preferencelist=(subtype,))
            assert part is not None
            want = expected.get_body(preferencelist=(subtype,))
            assert part.get_content() == want.get_content()  # type: ignore[union-attr]
        own = f"https://news.example.org{unsubscribe_path(reader.pk, newsletter.pk)}"
        assert own in got["List-Unsubscribe"]
        assert own in got.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert len(message_ids) == 2
    issue_mails = [to for to, message in received.items() if message["List-Id"]]
    assert sorted(issue_mails) == sorted(
        issue.deliveries.filter(sent_at__isnull=False).values_list("user__email", flat=True)
    )
