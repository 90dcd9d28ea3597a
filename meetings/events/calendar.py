"""Calendar files (.ics) for events and registrations, and each person's calendar feed.

One builder serves every calendar file the portal hands out: the public file of an event (never
with the meeting link), the file of one registration (with the link once the place is
confirmed; guests fetch theirs through their personal link, see meetings.events.guests; the
same file is attached to the registration's mails) and the feed of a person's active
registrations under a secret address, which the person can replace.

What calendar programs need to read them right (Outlook above all, which German administrations
use): the time zone Europe/Berlin written as its yearly rule, not as a list of dates that some
readers take for one fixed offset; an ORGANIZER, as RFC 5546 asks of METHOD:PUBLISH; and a
SEQUENCE that grows with every change of time, place or status (the event's own revisions plus
the registration's), so that the file of a cancellation replaces the confirmation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vRecur
from icalendar import Event as CalendarEvent

from meetings.events.models import CalendarFeed, Event, Registration
from members.people.services import is_contact
from portal.caching import cached_for_anonymous
from portal.models import User
from portal.outbox.services import Attachment

PRODID = "-//Kommunen-Netzwerk: engagiert in NRW//Mitgliederportal//DE"
METHOD = "PUBLISH"
# Django adds the charset to a text/* attachment; a download says it itself (CONTENT_TYPE).
MIMETYPE = f"text/calendar; method={METHOD}"
CONTENT_TYPE = f"{MIMETYPE}; charset=utf-8"
ONLINE_FORMATS = (Event.Format.ONLINE, Event.Format.HYBRID)
TZID = "Europe/Berlin"
BERLIN = ZoneInfo(TZID)
ORGANIZER_NAME = "Kommunen-Netzwerk: engagiert in NRW"


@dataclass(frozen=True)
class Entry:
    """One event as it goes into a calendar, with what this reader may see."""

    event: Event
    registration: Registration | None = None

    @property
    def shows_meeting_link(self) -> bool:
        return bool(
            self.registration is not None
            and self.registration.status == Registration.Status.CONFIRMED
            and self.event.format in ONLINE_FORMATS
            and self.event.meeting_link
        )

    @property
    def status(self) -> str:
        """CANCELLED, TENTATIVE while the place is not given (waiting list), else CONFIRMED."""
        registration = self.registration
        if self.event.status == Event.Status.CANCELLED or (
            registration is not None and registration.status == Registration.Status.CANCELLED
        ):
            return "CANCELLED"
        if registration is not None and registration.status != Registration.Status.CONFIRMED:
            return "TENTATIVE"
        return "CONFIRMED"

    @property
    def sequence(self) -> int:
        """Both counters only grow, so their sum grows with every change either file shows."""
        own = self.registration.sequence if self.registration is not None else 0
        return self.event.sequence + own

    @property
    def last_modified(self) -> datetime.datetime:
        registration = self.registration
        times: list[datetime.datetime | None] = [self.event.revised_at or self.event.created_at]
        if registration is not None:
            times += [registration.created_at, registration.confirmed_at, registration.cancelled_at]
        return max(time for time in times if time is not None)


def _host() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def berlin_timezone() -> Timezone:
    """Europe/Berlin as the yearly rule of the EU's summer time (Directive 2000/84/EC): from
    the last Sunday of March, 02:00 CET, to the last Sunday of October, 03:00 CEST. DTSTART is
    the rule's first year, as calendar programs write it; the portal has no earlier events."""
    zone = Timezone()
    zone.add("tzid", TZID)
    summer = datetime.datetime(1996, 3, 31, 2, 0)
    zone.add_component(
        _observance(TimezoneDaylight(), "CEST", from_hours=1, to_hours=2, start=summer)
    )
    winter = datetime.datetime(1996, 10, 27, 3, 0)
    zone.add_component(
        _observance(TimezoneStandard(), "CET", from_hours=2, to_hours=1, start=winter)
    )
    return zone


def _observance(
    observance: TimezoneDaylight | TimezoneStandard,
    name: str,
    *,
    from_hours: int,
    to_hours: int,
    start: datetime.datetime,
) -> TimezoneDaylight | TimezoneStandard:
    """One half of the rule: from `start` on, every year on the last Sunday of its month."""
    observance.add("tzname", name)
    observance.add("tzoffsetfrom", datetime.timedelta(hours=from_hours))
    observance.add("tzoffsetto", datetime.timedelta(hours=to_hours))
    observance.add("dtstart", start)
    observance.add("rrule", vRecur(freq="YEARLY", bymonth=start.month, byday="-1SU"))
    return observance


def organizer() -> vCalAddress:
    """The network team: where participants' replies go, by the name the mails come from."""
    name = parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or ORGANIZER_NAME
    return vCalAddress.new(settings.PORTAL_REPLY_TO_EMAIL, cn=name)


def _vevent(entry: Entry, stamp: datetime.datetime) -> CalendarEvent:
    event, registration = entry.event, entry.registration
    page_url = _absolute(reverse("meetings:event_detail", args=[event.pk]))
    summary = event.title
    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        summary = f"{summary} ({_('waiting list')})"

    description = [event.description.strip()] if event.description.strip() else []
    location = ", ".join(
        part for part in [event.venue.strip(), " ".join(event.address.split())] if part
    )
    if entry.shows_meeting_link:
        description.append(_("Online meeting link: %(link)s") % {"link": event.meeting_link})
        location = f"{location}, {event.meeting_link}" if location else event.meeting_link
    description.append(_("Event page: %(url)s") % {"url": page_url})

    vevent = CalendarEvent()
    vevent.add("uid", f"event-{event.pk}@{_host()}")
    vevent.add("dtstamp", stamp)
    vevent.add("last-modified", entry.last_modified)
    vevent.add("sequence", entry.sequence)
    vevent.add("dtstart", event.starts_at.astimezone(BERLIN))
    vevent.add("dtend", event.ends_at.astimezone(BERLIN))
    vevent.add("summary", summary)
    vevent.add("description", "\n\n".join(description))
    if location:
        vevent.add("location", location)
    vevent.add("url", page_url)
    vevent.add("organizer", organizer())
    vevent.add("status", entry.status)
    return vevent


def build_calendar(entries: Iterable[Entry], *, name: str = "") -> bytes:
    """An iCalendar file (METHOD:PUBLISH) with one VEVENT per entry and the time zone."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", METHOD)
    if name:
        cal.add("x-wr-calname", name)
    cal.add_component(berlin_timezone())
    stamp = timezone.now()
    for entry in entries:
        cal.add_component(_vevent(entry, stamp))
    return cal.to_ical()


def ics_response(content: bytes, filename: str | None) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ics_filename(event: Event) -> str:
    """The event's title and day, e.g. netzwerktreffen-ehrenamt-2027-06-15.ics (ASCII only)."""
    title = slugify(event.title)[:60].strip("-") or "veranstaltung"
    return f"{title}-{event.starts_at.astimezone(BERLIN):%Y-%m-%d}.ics"


def registration_ics_bytes(registration: Registration) -> bytes:
    """The calendar file of one registration, as its page and its mails give it."""
    return build_calendar([Entry(registration.event, registration)])


def registration_attachment(registration: Registration) -> Attachment:
    """The registration's calendar file for a mail, in the active language."""
    return Attachment(
        ics_filename(registration.event), registration_ics_bytes(registration), MIMETYPE
    )


@cached_for_anonymous
@require_safe
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The public file; a cancelled event's says so, for those who added it before."""
    event = get_object_or_404(Event.objects.exclude(status=Event.Status.DRAFT), pk=pk)
    return ics_response(build_calendar([Entry(event)]), ics_filename(event))


@login_required
def registration_ics(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(
        Registration.objects.select_related("event", "organisation"), pk=pk
    )
    user = request.user
    organisation = registration.organisation
    allowed = (
        user.is_staff
        or user.pk == registration.user_id
        or (organisation is not None and is_contact(user, organisation))  # type: ignore[arg-type]
    )
    if not allowed:
        raise Http404
    return ics_response(registration_ics_bytes(registration), ics_filename(registration.event))


def feed_token_for(user: User) -> str:
    """The secret token of the user's calendar feed, created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed.token


def feed_url(user: User) -> str:
    """The absolute address of the user's calendar feed, for calendar apps."""
    return _absolute(reverse("meetings:feed", args=[feed_token_for(user)]))


@login_required
@require_POST
def renew_feed(request: HttpRequest) -> HttpResponse:
    """Give the user's feed a new secret address; the old one stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(user=cast(User, request.user))
    if not created:
        feed.token = CalendarFeed._meta.get_field("token").get_default()
        feed.save(update_fields=["token"])
    messages.success(
        request,
        _(
            "Your calendar feed has a new address. The old address no longer works: please "
            "subscribe again in your calendar app with the new one."
        ),
    )
    return redirect(reverse("dashboard") + "#my-events")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    calendar_feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    registrations = (
        Registration.objects.filter(user=calendar_feed.user, status__in=Registration.ACTIVE)
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event")
        .order_by("event__starts_at", "id")
    )
    # Calendar apps fetch the feed without the person's session: use their chosen language.
    with translation.override(calendar_feed.user.language or None):
        content = build_calendar(
            [Entry(r.event, r) for r in registrations],
            name=_("Kommunen-Netzwerk: my events"),
        )
    response = ics_response(content, None)
    response["Cache-Control"] = "private, max-age=300"
    return response
