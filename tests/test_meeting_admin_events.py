"""The network team's side of events in Django admin: who may use the event's pages, the
event list and page, slots, and cancelling an event."""

from __future__ import annotations

import datetime
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings.models import Event, Registration, Session, SessionChoice, TimeSlot
from portal.models import OutboundEmail
from tests.factories import EventFactory
from tests.helpers import run_action, texts
from tests.support import meeting_admin as support
from tests.support import staff
from tests.support.meeting_admin import EVENTS, REGISTRATIONS, Status, event_form, guest, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/meeting_admin.py that these tests ask for by name.
event = support.event


SLOTS = "/admin/meetings/timeslot/"


# Staff with only the given permissions of the meetings app.
staff_with = partial(staff.staff_with, "meetings")


# --- Who may use the event's pages ------------------------------------------------------------


def tool_urls(event: Event, registration: Registration):
    base = f"{EVENTS}{event.pk}/"
    return [
        f"{base}change/",
        f"{base}checkin/",
        f"{base}participants.csv",
        f"{base}participants.xlsx",
        f"{base}message/",
        f"{SLOTS}",
        f"{REGISTRATIONS}",
        f"{REGISTRATIONS}{registration.pk}/change/",
    ]


@pytest.mark.parametrize("who", ["anonymous", "member of a municipality"])
def test_people_who_are_not_staff_are_sent_to_the_login(client, event, who):
    registration = member(event)
    if who != "anonymous":
        client.force_login(registration.user)
    for url in tool_urls(event, registration):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/admin/login/"), url
    mark = client.post(f"{EVENTS}{event.pk}/checkin/{registration.pk}/", {"present": "1"})
    assert mark.status_code == 302
    registration.refresh_from_db()
    assert registration.attended_at is None


def test_staff_open_every_page_of_an_event(staff_client, event):
    registration = member(event)
    for url in tool_urls(event, registration):
        assert staff_client.get(url).status_code == 200, url


def test_the_event_page_links_its_tools(staff_client, event):
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    for tail in (
        "checkin/",
        "participants.csv",
        "participants.xlsx",
        "participants.pdf",
        "participant-list.pdf",
        "badges.pdf",
        "message/",
    ):
        assert f'href="{EVENTS}{event.pk}/{tail}"' in page, tail


def test_staff_who_may_only_see_events_get_no_registration_tools(client, settings, event):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_with("view_event"))
    page = client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert "checkin/" not in page
    assert "participants.csv" not in page
    for tail in ("checkin/", "participants.csv", "badges.pdf", "message/"):
        assert client.get(f"{EVENTS}{event.pk}/{tail}").status_code == 403, tail


def test_staff_who_may_see_registrations_export_but_neither_mark_nor_write(client, settings, event):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    registration = member(event)
    client.force_login(staff_with("view_event", "view_registration"))
    assert client.get(f"{EVENTS}{event.pk}/participants.csv").status_code == 200
    page = client.get(f"{EVENTS}{event.pk}/checkin/")
    assert page.status_code == 200
    assert "checkin-toggle-" not in page.content.decode()
    mark = client.post(f"{EVENTS}{event.pk}/checkin/{registration.pk}/", {"present": "1"})
    assert mark.status_code == 403
    assert client.get(f"{EVENTS}{event.pk}/message/").status_code == 403


# --- The event list and page ------------------------------------------------------------------


def test_the_event_list_shows_the_fill_rate(staff_client, event):
    for _ in range(3):
        member(event)
    member(event, status=Status.WAITLISTED)
    member(event, status=Status.CANCELLED)
    response = staff_client.get(EVENTS)
    assert "3/5 (+1)" in response.content.decode()


def test_the_event_list_needs_as_many_queries_for_30_events_as_for_3(
    staff_client, django_assert_max_num_queries
):
    EventFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        assert staff_client.get(EVENTS).status_code == 200
    EventFactory.create_batch(27)
    with django_assert_max_num_queries(8):
        response = staff_client.get(EVENTS)
    assert response.context["cl"].result_count == 30


def test_the_event_page_lists_registrations_of_members_and_guests(staff_client, event):
    member(event, name="Mia Mitglied")
    guest(event, name="Gerda Gast")
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert "Mia Mitglied" in page
    assert "Gerda Gast" in page
    assert "Freiwilligenagentur Bonn" in page


def test_staff_add_programme_items_and_slots_on_the_event_page(staff_client, event):
    start = timezone.localtime(event.starts_at)
    data = event_form(
        event,
        **{
            "programme_items-TOTAL_FORMS": "1",
            "programme_items-0-starts_at_0": start.date().isoformat(),
            "programme_items-0-starts_at_1": "10:00",
            "programme_items-0-title": "Begrüßung",
            "slots-TOTAL_FORMS": "1",
            "slots-0-title": "Workshops I",
            "slots-0-starts_at_0": start.date().isoformat(),
            "slots-0-starts_at_1": "11:00",
            "slots-0-ends_at_0": start.date().isoformat(),
            "slots-0-ends_at_1": "12:30",
        },
    )
    response = staff_client.post(f"{EVENTS}{event.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert event.programme_items.get().title == "Begrüßung"
    slot = event.slots.get()
    assert slot.title == "Workshops I"
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f"{SLOTS}{slot.pk}/change/" in page, "the slot links to its sessions"


def test_the_slot_page_shows_its_sessions_with_places_taken(staff_client, event):
    slot = TimeSlot.objects.create(
        event=event,
        title="Workshops I",
        starts_at=event.starts_at,
        ends_at=event.starts_at + datetime.timedelta(hours=1),
    )
    session = Session.objects.create(slot=slot, title="Ehrenamtskarte", room="A 1", capacity=2)
    for status in ("confirmed", "confirmed", "waitlisted"):
        SessionChoice.objects.create(
            registration=member(event), slot=slot, session=session, status=status
        )
    page = staff_client.get(f"{SLOTS}{slot.pk}/change/").content.decode()
    assert "Ehrenamtskarte" in page
    assert "2/2 (+1)" in page


# --- Cancelling an event ----------------------------------------------------------------------


def test_changing_the_status_to_cancelled_tells_everyone_registered(staff_client, event):
    confirmed = member(event)
    waiting = member(event, status=Status.WAITLISTED)
    member(event, status=Status.CANCELLED)
    response = staff_client.post(
        f"{EVENTS}{event.pk}/change/", event_form(event, status="cancelled"), follow=True
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancelled_at is not None
    mails = OutboundEmail.objects.filter(kind="meetings/event_cancelled")
    assert {mail.to for mail in mails} == {confirmed.user.email, waiting.user.email}
    assert any("2 registrants are being told" in text for text in texts(response))


def test_a_new_time_or_place_in_admin_raises_the_calendar_files_sequence(staff_client):
    starts = timezone.make_aware(datetime.datetime(timezone.now().year + 1, 3, 10, 10, 0))
    event = EventFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=6))
    url = reverse("meetings:event_ics", args=[event.pk])
    first = Calendar.from_ical(staff_client.get(url).content).walk("VEVENT")[0]

    changes = {"starts_at_1": "11:00", "ends_at_1": "17:00"}
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, **changes))
    event.refresh_from_db()
    later = starts + datetime.timedelta(hours=1)
    assert event.starts_at == later
    assert event.sequence == 1
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, capacity=50))
    event.refresh_from_db()
    assert event.sequence == 1, "the number of places is in no calendar"
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, venue="Rathaus"))
    event.refresh_from_db()
    assert event.sequence == 2
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, status="cancelled"))
    event.refresh_from_db()
    assert event.sequence == 3, "cancelling counts once"

    # Logged in, so never the anonymous visitors' copy of the file.
    [vevent] = Calendar.from_ical(staff_client.get(url).content).walk("VEVENT")
    assert int(str(vevent["SEQUENCE"])) == 3 > int(str(first["SEQUENCE"]))
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent.decoded("DTSTART") == later


def test_saving_a_cancelled_event_again_tells_nobody_again(staff_client, event):
    member(event)
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, status="cancelled"))
    event.refresh_from_db()
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, venue="Rathaus"))
    assert OutboundEmail.objects.filter(kind="meetings/event_cancelled").count() == 1


def test_the_cancel_action_asks_for_a_message_first(staff_client, event):
    member(event)
    page = run_action(staff_client, EVENTS, "cancel_events", [event])
    assert page.templates[0].name == "admin/meetings/event/cancel_events.html"
    assert "1 registrant will be told" in page.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert not OutboundEmail.objects.exists()


def test_the_cancel_action_cancels_and_passes_the_message_on(staff_client, event):
    registration = member(event)
    other = EventFactory()
    done = EventFactory(status=Event.Status.CANCELLED)
    member(done)
    response = run_action(
        staff_client,
        EVENTS,
        "cancel_events",
        [event, other, done],
        apply="1",
        message="Wir holen das Treffen im Herbst nach.",
    )
    assert response.status_code == 200
    for each in (event, other):
        each.refresh_from_db()
        assert each.status == Event.Status.CANCELLED
    mail = OutboundEmail.objects.get(kind="meetings/event_cancelled")
    assert mail.to == registration.user.email
    assert "Wir holen das Treffen im Herbst nach." in mail.body_text
    assert texts(response) == [
        "2 events have been cancelled. 1 registrant is being told by e-mail."
    ]


def test_the_cancel_message_may_not_be_endless(staff_client, event):
    response = run_action(
        staff_client, EVENTS, "cancel_events", [event], apply="1", message="x" * 5001
    )
    assert "at most 5000 characters" in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
