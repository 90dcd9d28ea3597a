"""Calendar files (.ics) for events and registrations, and each person's calendar feed.

One builder serves all three: the public file of an event (never with the meeting link), the
file of one registration (with the link once the place is confirmed; guests fetch theirs
through their personal link, see meetings.events.guests) and the feed of a person's active
registrations under a secret address, which the person can replace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from meetings.events.models import CalendarFeed, Event, Registration
from members.people.services import is_contact
from portal.models import User

PRODID = "-//Kommunen-Netzwerk: engagiert in NRW//Mitgliederportal//DE"
ONLINE_FORMATS = (Event.Format.ONLINE, Event.Format.HYBRID)


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


def _host() -> str:
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def _vevent(entry: Entry, stamp) -> CalendarEvent:
    event, registration = entry.event, entry.registration
    berlin = timezone.get_default_timezone()
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
    vevent.add("dtstart", timezone.localtime(event.starts_at, berlin))
    vevent.add("dtend", timezone.localtime(event.ends_at, berlin))
    vevent.add("summary", summary)
    vevent.add("description", "\n\n".join(description))
    if location:
        vevent.add("location", location)
    vevent.add("url", page_url)
    cancelled = event.status == Event.Status.CANCELLED or (
        registration is not None and registration.status == Registration.Status.CANCELLED
    )
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent


def build_calendar(entries: Iterable[Entry], *, name: str = "") -> bytes:
    """An iCalendar file (METHOD:PUBLISH) with one VEVENT per entry and its time zones."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for entry in entries:
        cal.add_component(_vevent(entry, stamp))
    cal.add_missing_timezones()
    return cal.to_ical()


def ics_response(content: bytes, filename: str | None) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ics_filename(event: Event) -> str:
    return f"{slugify(event.title) or 'veranstaltung'}.ics"


def registration_ics_bytes(registration: Registration) -> bytes:
    """The calendar file of one registration; also attached to the confirmation mails."""
    return build_calendar([Entry(registration.event, registration)])


def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk, status=Event.Status.PUBLISHED)
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
