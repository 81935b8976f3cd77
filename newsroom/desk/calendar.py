"""The planning calendar: weeks as rows, what is due each day, by newsletter
and by person; and each desk user's private iCalendar feed of it."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from icalendar import Calendar, Event

from newsroom import roles
from newsroom.desk.access import desk_user_required
from newsroom.extension import CalendarEntry
from newsroom.forms import CalendarFilter
from newsroom.models import Newsletter
from newsroom.models.private_addresses import PrivateAddressKey, Purpose
from newsroom.planning import agenda
from newsroom.planning.reminders import keep_reminding
from newsroom.site import site_domain
from newsroom.text import one_line, printable

WEEKS_SHOWN = 4
FEED_PAST = datetime.timedelta(weeks=4)
FEED_AHEAD = datetime.timedelta(weeks=26)


def weeks(first: datetime.date, found: list[CalendarEntry], today: datetime.date) -> list[dict]:
    by_day: dict[datetime.date, list[CalendarEntry]] = defaultdict(list)
    for entry in found:
        by_day[timezone.localtime(entry.at).date()].append(entry)
    rows = []
    for w in range(WEEKS_SHOWN):
        start = first + datetime.timedelta(weeks=w)
        days = [start + datetime.timedelta(days=d) for d in range(7)]
        rows.append(
            {
                "start": start,
                "days": [{"day": d, "today": d == today, "entries": by_day[d]} for d in days],
                "count": sum(len(by_day[d]) for d in days),
            }
        )
    return rows


@desk_user_required
@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    keep_reminding()
    filters = CalendarFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    first = agenda.week_start(data.get("week") or today)
    newsletter, person = data.get("newsletter"), data.get("person")
    start = agenda.local_midnight(first)
    end = agenda.local_midnight(first + datetime.timedelta(weeks=WEEKS_SHOWN))
    # Everyone's entries of the weeks shown: they say whom the person filter
    # offers; then the chosen person's, if one is chosen.
    shown = agenda.entries(start, end, newsletter_id=newsletter.pk if newsletter else None)
    filters.offer_people(person_id for entry in shown for person_id in entry.people)
    found = [e for e in shown if person.pk in e.people] if person else shown
    this_week = agenda.local_midnight(agenda.week_start(today))
    owed = agenda.entries(
        min(this_week, timezone.now() - FEED_PAST),
        this_week + datetime.timedelta(weeks=1),
        person_id=request.user.pk,
    )
    owed = [e for e in owed if e.overdue or e.at >= this_week]
    query = request.GET.copy()
    query.pop("week", None)
    key = PrivateAddressKey.of(request.user, Purpose.CALENDAR)
    context = {
        "filters": filters,
        "person": person,
        "newsletter": newsletter,
        "weeks": weeks(first, found, today),
        "owed": [e for e in owed if not e.done],
        "newsletters": {n.pk: n for n in Newsletter.objects.all()},
        "previous": first - datetime.timedelta(weeks=WEEKS_SHOWN),
        "next": first + datetime.timedelta(weeks=WEEKS_SHOWN),
        "query": query.urlencode(),
        "feed_url": request.build_absolute_uri(reverse("desk:calendar_feed", args=[key.key]))
        if key
        else "",
        "can_assign": roles.is_editor(request.user),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "newsroom/calendar.html", context)


@desk_user_required
@require_POST
def renew_calendar_key(request: HttpRequest) -> HttpResponse:
    """Make (or replace) the private feed address; the old one stops working."""
    PrivateAddressKey.renew(request.user, Purpose.CALENDAR)
    messages.success(request, "Your calendar feed has a new private address; the old one is gone.")
    return redirect("desk:calendar")


@require_safe
def calendar_feed(request: HttpRequest, key: str) -> HttpResponse:
    """What the key's owner owes, as iCalendar. The key is the credential:
    an unknown key, or a user no longer on the desk, is a 404."""
    found = PrivateAddressKey.find(key, Purpose.CALENDAR)
    if found is None or not roles.is_desk_user(found.user):
        raise Http404("No such calendar.")
    now = timezone.now()
    owed = agenda.entries(now - FEED_PAST, now + FEED_AHEAD, person_id=found.user.pk, now=now)
    cal = Calendar()
    cal.add("prodid", "-//Newsroom//Planning calendar//EN")
    cal.add("version", "2.0")
    # TEXT values may not hold control characters (RFC 5545, 3.3.11).
    cal.add("x-wr-calname", one_line(f"Newsroom: {found.user.get_username()}"))
    domain = site_domain()
    for entry in owed:
        event = Event()
        event.add("uid", f"{entry.uid}@{domain}")
        event.add("summary", one_line(f"{entry.title} ({entry.state})"))
        event.add("dtstart", entry.at)
        event.add("dtend", entry.at + datetime.timedelta(minutes=30))
        # When the event last changed, not when it was asked for: a calendar
        # app polling an unchanged feed sees unchanged events.
        event.add("dtstamp", (entry.changed or entry.at).astimezone(datetime.UTC))
        if entry.note:
            event.add("description", printable(entry.note))
        event.add("url", request.build_absolute_uri(entry.url))
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    # The address is a credential: search engines must not list it.
    response["X-Robots-Tag"] = "noindex"
    return response
