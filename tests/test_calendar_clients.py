"""Every calendar file the portal serves or attaches, read back as members' own programs read it.

Two independent clients parse each file: icalendar (which the portal writes with, but which
here reads the text back) and vobject, which takes the time zone from the file's VTIMEZONE as
Outlook does. Both must give the event's own instants in UTC, for a winter and a summer event
(issue 17: summer events came an hour early from the old list of dates). Mails are built into
the MIME message that goes to the mail server and parsed by Python's e-mail parser (strict)
and by mailparser.
"""

from __future__ import annotations

import base64
import datetime
import email
from email import policy
from email.message import EmailMessage
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import mailparser
import pytest
import vobject
from django.conf import settings
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings.events import notices, services
from meetings.events.calendar import berlin_timezone, feed_token_for, ics_filename
from meetings.models import Event, Registration
from portal.models import OutboundEmail
from portal.outbox.tasks import build_message
from tests.factories import EventFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]
Status = Registration.Status
BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
STRICT = policy.default.clone(raise_on_defect=True)


def _next(month: int, day: int) -> datetime.datetime:
    """10:00 in Münster on that day of next year: always ahead, so registration is open."""
    return datetime.datetime(timezone.now().year + 1, month, day, 10, 0, tzinfo=BERLIN)


@pytest.fixture(params=["january", "june"])
def event(request):
    starts = _next(1, 20) if request.param == "january" else _next(6, 16)
    return EventFactory(
        title=f"Netzwerktreffen Ehrenamt im {request.param.capitalize()}",
        audience=Event.Audience.OPEN,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        capacity=1,
    )


# --- Reading a file back ----------------------------------------------------------------------


def read_back(content: bytes) -> list[tuple[str, datetime.datetime, datetime.datetime, str]]:
    """(UID, start, end, STATUS) of each VEVENT, start and end in UTC, as both clients read
    them; fails if they disagree or if the file lacks what RFC 5546 asks of PUBLISH."""
    calendar = Calendar.from_ical(content)
    by_icalendar = [
        (
            str(vevent["UID"]),
            vevent.decoded("DTSTART").astimezone(UTC),
            vevent.decoded("DTEND").astimezone(UTC),
            str(vevent["STATUS"]),
        )
        for vevent in calendar.walk("VEVENT")
    ]
    parsed = vobject.readOne(content.decode())
    by_vobject = [
        (
            vevent.uid.value,
            vevent.dtstart.value.astimezone(UTC),
            vevent.dtend.value.astimezone(UTC),
            vevent.status.value,
        )
        for vevent in parsed.vevent_list
    ]
    assert by_icalendar == by_vobject

    assert str(calendar["METHOD"]) == parsed.method.value == "PUBLISH"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    for observance in zone.walk("STANDARD") + zone.walk("DAYLIGHT"):
        assert "RRULE" in observance
        assert "RDATE" not in observance
    organizer = f"mailto:{settings.PORTAL_REPLY_TO_EMAIL}"
    for vevent, other in zip(calendar.walk("VEVENT"), parsed.vevent_list, strict=True):
        assert str(vevent["ORGANIZER"]) == other.organizer.value == organizer
        assert vevent["ORGANIZER"].params["CN"]
        assert int(str(vevent["SEQUENCE"])) == int(other.sequence.value) >= 0
        assert vevent.decoded("LAST-MODIFIED") == other.last_modified.value
    return by_icalendar


def sequence(content: bytes) -> int:
    [vevent] = Calendar.from_ical(content).walk("VEVENT")
    return int(str(vevent["SEQUENCE"]))


def the_event(event: Event, status: str = "CONFIRMED"):
    host = urlsplit(settings.PORTAL_BASE_URL).hostname
    return [(f"event-{event.pk}@{host}", event.starts_at, event.ends_at, status)]


def download(client: Client, url: str, event: Event) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{ics_filename(event)}"'
    return response.content


def attached(kind: str, to: str, event: Event) -> bytes:
    """The calendar file of the mail `meetings/<kind>` to `to`, as both mail parsers see it."""
    stored = OutboundEmail.objects.filter(kind=f"meetings/{kind}", to=to).latest("pk")
    raw = build_message(stored).message().as_bytes()
    message = email.message_from_bytes(raw, policy=STRICT)
    assert isinstance(message, EmailMessage)
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "PUBLISH"
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == ics_filename(event)
    content = part.get_payload(decode=True)
    assert isinstance(content, bytes)

    [other] = [a for a in mailparser.parse_from_bytes(raw).attachments if a["filename"]]
    assert other["filename"] == ics_filename(event)
    assert other["mail_content_type"] == "text/calendar"
    assert other["charset"] == "utf-8"
    assert base64.b64decode(other["payload"]) == content
    return content


# --- Every file, winter and summer --------------------------------------------------------------


def test_the_public_file_gives_the_same_instants_in_both_clients(client, event):
    content = download(client, reverse("meetings:event_ics", args=[event.pk]), event)
    assert read_back(content) == the_event(event)


def test_a_members_file_and_feed_give_the_same_instants_in_both_clients(
    client, event, member_a, contact_a
):
    registration = services.register(event, contact_a, contact_a)
    client.force_login(contact_a)

    url = reverse("meetings:registration_ics", args=[registration.pk])
    assert read_back(download(client, url, event)) == the_event(event)
    feed = client.get(reverse("meetings:feed", args=[feed_token_for(contact_a)]))
    assert feed["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    assert read_back(feed.content) == the_event(event)


def test_a_guests_file_gives_the_same_instants_in_both_clients(client, event):
    registration = Registration.objects.create(
        event=event,
        guest_name="Gerda Gast",
        guest_email="gerda@verein.example",
        guest_token="gast-token-" + "x" * 30,
        status=Status.CONFIRMED,
    )

    url = reverse("meetings:guest_ics", args=[registration.guest_token])
    assert read_back(download(client, url, event)) == the_event(event)


def test_every_mail_with_a_calendar_file_gives_the_same_instants_in_both_clients(
    event, member_a, contact_a, colleague_a, staff_user
):
    first = services.register(event, contact_a, contact_a)
    waiting = services.register(event, colleague_a, contact_a)
    assert waiting.status == Status.WAITLISTED
    confirmation = attached("registration_confirmed", contact_a.email, event)
    assert read_back(confirmation) == the_event(event)

    services.cancel(first, contact_a)
    cancellation = attached("registration_cancelled", contact_a.email, event)
    assert read_back(cancellation) == the_event(event, "CANCELLED")
    assert sequence(cancellation) > sequence(confirmation)
    promotion = attached("registration_promoted", colleague_a.email, event)
    assert read_back(promotion) == the_event(event)

    remind_at = event.starts_at - datetime.timedelta(hours=event.remind_hours_before - 1)
    assert notices.send_due_reminders(remind_at) == 1
    reminder = attached("reminder", colleague_a.email, event)
    assert read_back(reminder) == the_event(event)

    notices.cancel_event(event, staff_user)
    cancelled = attached("event_cancelled", colleague_a.email, event)
    assert read_back(cancelled) == the_event(event, "CANCELLED")
    assert sequence(cancelled) > sequence(reminder)


def test_the_mail_server_gets_the_attachment_with_its_method_and_charset(
    event, member_a, contact_a, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.register(event, contact_a, contact_a)
    stored = OutboundEmail.objects.get(kind="meetings/registration_confirmed")
    build_message(stored).send()

    [sent] = django_mail.outbox
    raw = sent.message().as_bytes()
    message = email.message_from_bytes(raw, policy=STRICT)
    assert isinstance(message, EmailMessage)
    [part] = list(message.iter_attachments())
    assert part["Content-Type"].content_type == "text/calendar"
    assert dict(part["Content-Type"].params) == {"method": "PUBLISH", "charset": "utf-8"}
    assert part.get_filename() == ics_filename(event)


# --- What the files say -------------------------------------------------------------------------


def test_the_time_zone_in_the_files_agrees_with_the_tz_database_for_years_ahead():
    zone = berlin_timezone().to_tz(lookup_tzid=False)
    year = timezone.now().year
    for hour in range(0, 24 * 366 * 15, 7):
        moment = datetime.datetime(year, 1, 1, tzinfo=UTC) + datetime.timedelta(hours=hour)
        assert moment.astimezone(zone).utcoffset() == moment.astimezone(BERLIN).utcoffset(), moment


def test_the_file_name_is_the_events_title_and_day():
    event = EventFactory(title="Engagementkongress NRW: Köln & Münster", starts_at=_next(6, 16))
    day = f"{event.starts_at:%Y}-06-16"
    assert ics_filename(event) == f"engagementkongress-nrw-koln-munster-{day}.ics"


def test_a_waiting_place_is_tentative_and_a_confirmed_one_raises_the_sequence(
    client, event, member_a, contact_a, colleague_a
):
    first = services.register(event, contact_a, contact_a)
    waiting = services.register(event, colleague_a, contact_a)
    client.force_login(colleague_a)
    url = reverse("meetings:registration_ics", args=[waiting.pk])
    before = download(client, url, event)
    assert read_back(before) == the_event(event, "TENTATIVE")
    feed = client.get(reverse("meetings:feed", args=[feed_token_for(colleague_a)]))
    assert read_back(feed.content) == the_event(event, "TENTATIVE")

    services.cancel(first, contact_a)

    after = download(client, url, event)
    assert read_back(after) == the_event(event)
    assert sequence(after) > sequence(before)


def test_registering_again_after_cancelling_gives_a_file_with_a_higher_sequence(
    client, event, member_a, contact_a
):
    client.force_login(contact_a)
    first = services.register(event, contact_a, contact_a)
    services.cancel(first, contact_a)
    cancelled = download(client, reverse("meetings:registration_ics", args=[first.pk]), event)

    again = services.register(event, contact_a, contact_a)

    renewed = download(client, reverse("meetings:registration_ics", args=[again.pk]), event)
    assert read_back(renewed) == the_event(event)
    assert sequence(renewed) > sequence(cancelled)


def test_a_cancelled_event_raises_the_sequence_of_the_public_file(client, event, staff_user):
    url = reverse("meetings:event_ics", args=[event.pk])
    before = download(client, url, event)

    notices.cancel_event(event, staff_user)

    client.force_login(staff_user)  # past the anonymous visitors' copy of the file
    after = download(client, url, event)
    assert read_back(after) == the_event(event, "CANCELLED")
    assert sequence(after) > sequence(before)
    [vevent] = Calendar.from_ical(after).walk("VEVENT")
    event.refresh_from_db()
    assert event.revised_at is not None
    assert vevent.decoded("LAST-MODIFIED") == event.revised_at.replace(microsecond=0)


# --- The public event page ----------------------------------------------------------------------


def test_the_public_page_links_the_file_and_the_link_works_for_anonymous_visitors(event):
    visitor = Client()
    page = visitor.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()

    url = reverse("meetings:event_ics", args=[event.pk])
    assert f'href="{url}" data-event-ics' in page
    assert read_back(download(visitor, url, event)) == the_event(event)


def test_the_page_of_a_cancelled_event_offers_no_file_to_add(client, event, staff_user):
    notices.cancel_event(event, staff_user)
    page = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()
    assert "data-event-ics" not in page


def test_anonymous_visitors_may_get_the_public_file_a_minute_old_logged_in_people_never(
    client, event, contact_a
):
    url = reverse("meetings:event_ics", args=[event.pk])
    download(client, url, event)
    Event.objects.filter(pk=event.pk).update(title="Neuer Titel")

    assert b"Neuer Titel" not in client.get(url).content
    client.force_login(contact_a)
    assert b"Neuer Titel" in client.get(url).content


def test_drafts_have_no_public_file(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    assert client.get(reverse("meetings:event_ics", args=[draft.pk])).status_code == 404
