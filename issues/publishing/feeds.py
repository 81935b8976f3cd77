"""Atom feeds of published issues.

The public feed (/feeds/<newsletter>.atom) is for anyone with the link: it
says what was published and links to the issue pages, which ask for a
sign-in. The private feed (/feeds/private/<key>/<newsletter>.atom) belongs to
one subscriber; its entries link to PDFs under the same key, so a feed reader
can fetch them without a session. The key works only while it exists (the
account page replaces it) and only for what its owner may read today.

Ids (RFC 4287 wants them permanent and unique) are tag: URIs (RFC 4151) on
the site's domain: `tag:<domain>,<year>:feeds/<newsletter>` for a public feed
(the year the newsletter was created), `tag:<domain>,<year>:feeds/private/
<reader id>/<newsletter>` for a private one (so renewing the key keeps the
id), `tag:<domain>,<year>:issues/<newsletter>/<number>` for an entry (the year
it was published). Every feed answers conditional GET (ETag, Last-Modified,
304), checked after the feed's own access check.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import condition, require_safe

from issues.models import Issue
from issues.models.editions import Edition, with_editions
from issues.models.issues import IssueQuerySet
from issues.models.reach import Channel
from issues.readers import access
from issues.readers.refusals import log_refusal
from issues.rendering.typography import smarten
from issues.views import serve_pdf, with_headlines
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.site import site_domain, site_url
from newsroom.text import printable

FEED_LENGTH = 20


def _printable(value: Any) -> Any:
    return printable(value) if isinstance(value, str) else value


class PrintableAtom1Feed(Atom1Feed):
    """Atom without the characters XML 1.0 forbids: a headline stored with
    one (before they were refused, or by a shell) must not break the feed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_printable, args), **{k: _printable(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_printable, args), **{k: _printable(v) for k, v in kwargs.items()})


def tag_uri(year: int, specific: str) -> str:
    """An id of ours that never changes: `tag:<site domain>,<year>:<specific>`."""
    return f"tag:{site_domain()},{year}:{specific}"


class IssueFeed(Feed):
    """Published issues of one newsletter, newest first."""

    feed_type = PrintableAtom1Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Django's `condition` answers 304 (If-None-Match, If-Modified-Since)
        # or 412 before the feed is built; its validators run the feed's own
        # access check first, so a 304 tells a stranger nothing.
        conditional = condition(etag_func=self.etag, last_modified_func=self.last_modified)
        return conditional(self._respond)(request, *args, **kwargs)  # type: ignore[return-value]

    def _respond(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The feed's own Last-Modified counts only the entries listed; the
        # one `condition` sets is the one it compares with If-Modified-Since.
        del response["Last-Modified"]
        return response

    def validators(self, request: HttpRequest, newsletter: str) -> tuple[str, Any]:
        """The feed's ETag and last change, asked once per request."""
        cached = getattr(request, "_feed_validators", None)
        if cached is None:
            obj = self.get_object(request, newsletter)
            issues = self.issues(obj)
            seen = issues.aggregate(count=Count("pk"), changed=Max("updated_at"))
            published = Edition.objects.filter(issue__in=issues.values("pk")).aggregate(
                at=Max("published_at")
            )["at"]
            parts = [self.feed_guid(obj), obj.title, obj.description, self.title(obj)]
            parts.append(settings.NEWSROOM_PUBLISHER)
            parts += [str(seen["count"]), str(seen["changed"]), str(published)]
            parts += self.validator_parts()
            digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
            cached = (f'"{digest}"', published)
            request._feed_validators = cached  # type: ignore[attr-defined]
        return cached

    def validator_parts(self) -> list[str]:
        return []

    def etag(self, request: HttpRequest, newsletter: str) -> str:
        return self.validators(request, newsletter)[0]

    def last_modified(self, request: HttpRequest, newsletter: str) -> Any:
        return self.validators(request, newsletter)[1]

    def get_object(self, request: HttpRequest, newsletter: str) -> Newsletter:  # type: ignore[override]
        return get_object_or_404(Newsletter, slug=newsletter)

    def title(self, obj: Newsletter) -> str:
        return obj.title

    def subtitle(self, obj: Newsletter) -> str:
        return obj.description or f"Weekly issues of {obj.title}"

    def link(self, obj: Newsletter) -> str:
        return reverse("issues:home")

    def feed_guid(self, obj: Newsletter) -> str:
        return tag_uri(obj.created_at.year, f"feeds/{obj.slug}")

    def author_name(self) -> str:
        return settings.NEWSROOM_PUBLISHER

    def author_link(self) -> str:
        return site_url("/")

    def item_author_name(self) -> str:
        return settings.NEWSROOM_PUBLISHER

    def item_author_link(self) -> str:
        return site_url("/")

    def issues(self, obj: Newsletter) -> IssueQuerySet:
        return Issue.objects.published().filter(newsletter=obj)

    def items(self, obj: Newsletter) -> list[Issue]:
        return with_headlines(
            with_editions(self.issues(obj).select_related("newsletter"))[:FEED_LENGTH]
        )

    def item_title(self, item: Issue) -> str:
        return smarten(f"{item.newsletter.title}: {item.period}")

    def item_description(self, item: Issue) -> str:
        # Headlines are text: escaped here, and the whole escaped again as
        # the entry's content (type="html").
        headlines = format_html_join(
            "",
            "<li>{}</li>",
            ((headline.text,) for headline in item.headlines),  # type: ignore[attr-defined]
        )
        latest = item.latest_edition
        if latest is None or not latest.is_correction:
            return format_html("<ul>{}</ul>", headlines)
        # An updated entry says why it was updated.
        return format_html(
            "<p>Edition {}, corrected on {}: {}</p><ul>{}</ul>",
            latest.number,
            date_format(timezone.localtime(latest.published_at), "j F Y"),
            smarten(latest.correction_note),
            headlines,
        )

    def item_link(self, item: Issue) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Issue) -> str:
        year = timezone.localtime(item.published_at).year
        return tag_uri(year, f"issues/{item.newsletter.slug}/{item.number}")

    def item_guid_is_permalink(self, item: Issue) -> bool:
        return False

    def item_pubdate(self, item: Issue) -> Any:
        return item.published_at

    def item_updateddate(self, item: Issue) -> Any:
        # A correction updates the entry (same id, new date) rather than
        # adding one: readers see the issue once, in its latest edition.
        latest = item.latest_edition
        return latest.published_at if latest else item.published_at


class PrivateIssueFeed(IssueFeed):
    """One subscriber's feed: entries link to PDFs under the subscriber's key.

    Built afresh for each request (see `private_feed`): a Feed in the URLconf
    is shared by every request, so it must not hold the token itself.
    """

    def __init__(self, request: HttpRequest, token: PrivateAddressKey) -> None:
        self.request = request
        self.token = token

    def get_object(self, request: HttpRequest, newsletter: str) -> Newsletter:  # type: ignore[override]
        obj = get_object_or_404(Newsletter, slug=newsletter)
        if not access.may_read_newsletter(self.token.user, obj):
            # Not (or no longer) subscribed: the address means nothing.
            log_refusal(
                self.token.user,
                "private feed of a newsletter not subscribed to",
                newsletter=obj.slug,
            )
            raise Http404("No such feed.")
        return obj

    def title(self, obj: Newsletter) -> str:
        return f"{obj.title} (private feed of {self.token.user.get_username()})"

    def feed_guid(self, obj: Newsletter) -> str:
        # The reader, not the key: a renewed key is still the same feed.
        return tag_uri(obj.created_at.year, f"feeds/private/{self.token.user_id}/{obj.slug}")

    def validator_parts(self) -> list[str]:
        # Entries link under the key: a new key is a new document.
        return [self.token.key]

    def issues(self, obj: Newsletter) -> IssueQuerySet:
        return access.readable_issues(self.token.user).filter(newsletter=obj)

    def item_link(self, item: Issue) -> str:
        return reverse(
            "issues:private_pdf", args=[self.token.key, item.newsletter.slug, item.number]
        )

    def item_enclosures(self, item: Issue) -> list[Enclosure]:
        url = self.request.build_absolute_uri(self.item_link(item))
        latest = item.latest_edition
        return [Enclosure(url, str(latest.pdf_size if latest else 0), "application/pdf")]


@require_safe
def private_feed(request: HttpRequest, key: str, newsletter: str) -> HttpResponse:
    token = feed_token_or_404(key)
    response = PrivateIssueFeed(request, token)(request, newsletter=newsletter)
    # The address is a credential: keep the feed out of shared caches and indexes.
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def feed_token_or_404(key: str) -> PrivateAddressKey:
    token = PrivateAddressKey.find(key, Purpose.FEED)
    if token is None or not token.user.is_active:
        # Whose it was is unknown (or the account is closed); the key itself
        # is never logged.
        log_refusal(None, "unknown private feed address, or its account is inactive")
        raise Http404("No such feed.")
    return token


@require_safe
def private_pdf(request: HttpRequest, key: str, newsletter: str, number: int) -> HttpResponseBase:
    """A PDF for a feed reader: the key stands in for the session."""
    token = feed_token_or_404(key)
    edition = access.readable_edition(token.user, newsletter, number)
    response = serve_pdf(request, edition, reader_id=token.user_id, channel=Channel.FEED)
    response["X-Robots-Tag"] = "noindex"
    return response
