from __future__ import annotations

import datetime
from typing import cast
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.calendar import feed_token_for
from meetings.models import Event, Registration
from portal.models import OutboundEmailAttachment
from tests.factories import EventFactory

LINK = "https://konferenz.example/raum/geheim-123"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar.walk("VTIMEZONE"), "the file carries its time zone"
    return calendar.walk("VEVENT")


def _online_event(**kwargs) -> Event:
    return cast(
        Event,
        EventFactory(
            format=Event.Format.HYBRID,
            venue="Rathaus Musterstadt",
            address="Marktplatz 1\n12345 Musterstadt",
            meeting_link=LINK,
            **kwargs,
        ),
    )


def _registration(event, user, organisation, status=Registration.Status.CONFIRMED):
    return Registration.objects.create(
        event=event, user=user, organisation=organisation, registered_by=user, status=status
    )


def test_the_public_file_of_an_event_has_its_time_place_and_no_meeting_link(client):
    event = _online_event(title="Netzwerktreffen Ehrenamt", description="Wir tauschen uns aus.")

    response = client.get(reverse("meetings:event_ics", args=[event.pk]))

    [vevent] = _events(response)
    assert "attachment" in response["Content-Disposition"]
    assert ".ics" in response["Content-Disposition"]
    host = urlsplit(settings.PORTAL_BASE_URL).hostname
    assert str(vevent["UID"]) == f"event-{event.pk}@{host}"
    assert str(vevent["SUMMARY"]) == "Netzwerktreffen Ehrenamt"
    start = vevent.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Berlin"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert start == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("DTEND") == event.ends_at.replace(microsecond=0)
    assert str(vevent["LOCATION"]) == "Rathaus Musterstadt, Marktplatz 1 12345 Musterstadt"
    assert "Wir tauschen uns aus." in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]).endswith(reverse("meetings:event_detail", args=[event.pk]))
    assert "DTSTAMP" in vevent
    assert LINK.encode() not in response.content
    assert b"geheim" not in response.content


def test_unpublished_events_have_no_public_file(client):
    for status in (Event.Status.DRAFT, Event.Status.CANCELLED):
        event = EventFactory(status=status)
        assert client.get(reverse("meetings:event_ics", args=[event.pk])).status_code == 404


def test_a_confirmed_online_registration_has_the_meeting_link(client, contact_a, organisation_a):
    event = _online_event()
    registration = _registration(event, contact_a, organisation_a)
    client.force_login(contact_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    [vevent] = _events(response)
    assert LINK in str(vevent["DESCRIPTION"])
    assert LINK in str(vevent["LOCATION"])
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent.decoded("DTSTART").tzinfo) == "Europe/Berlin"


def test_a_waitlisted_registration_has_no_meeting_link(client, contact_a, organisation_a):
    event = _online_event()
    registration = _registration(
        event, contact_a, organisation_a, status=Registration.Status.WAITLISTED
    )
    client.force_login(contact_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    [_vevent] = _events(response)
    assert LINK.encode() not in response.content


def test_a_cancelled_registration_gives_a_cancelled_event(client, contact_a, organisation_a):
    registration = _registration(
        _online_event(), contact_a, organisation_a, status=Registration.Status.CANCELLED
    )
    client.force_login(contact_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    [vevent] = _events(response)
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert LINK.encode() not in response.content


def test_contacts_of_the_municipality_and_staff_may_fetch_a_registration_file(
    client, contact_a, colleague_a, organisation_a, staff_user
):
    registration = _registration(_online_event(), colleague_a, organisation_a)
    url = reverse("meetings:registration_ics", args=[registration.pk])
    for user in (contact_a, staff_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_people_of_another_municipality_get_not_found(client, contact_a, organisation_a, contact_b):
    registration = _registration(_online_event(), contact_a, organisation_a)
    client.force_login(contact_b)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, contact_a, organisation_a):
    registration = _registration(_online_event(), contact_a, organisation_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    assert response.status_code == 302
    assert (
        reverse(settings.LOGIN_URL) in response["Location"]
        or settings.LOGIN_URL in (response["Location"])
    )


def test_the_feed_lists_active_registrations_with_links_only_for_confirmed_places(
    client, contact_a, organisation_a
):
    confirmed = _online_event(title="Digitaler Kurzimpuls")
    waiting = EventFactory(
        title="Workshop Ehrenamtskarte",
        format=Event.Format.ONLINE,
        meeting_link="https://konferenz.example/raum/warteliste-456",
        starts_at=confirmed.starts_at + datetime.timedelta(days=7),
        ends_at=confirmed.starts_at + datetime.timedelta(days=7, hours=2),
    )
    gone = _online_event(title="Storniert")
    contact_a.language = "en"
    contact_a.save(update_fields=["language"])
    _registration(confirmed, contact_a, organisation_a)
    _registration(waiting, contact_a, organisation_a, status=Registration.Status.WAITLISTED)
    _registration(gone, contact_a, organisation_a, status=Registration.Status.CANCELLED)

    response = client.get(reverse("meetings:feed", args=[feed_token_for(contact_a)]))

    assert "private" in response["Cache-Control"]
    vevents = _events(response)
    assert [str(v["SUMMARY"]) for v in vevents] == [
        "Digitaler Kurzimpuls",
        "Workshop Ehrenamtskarte (waiting list)",
    ]
    assert LINK in str(vevents[0]["DESCRIPTION"])
    assert b"warteliste-456" not in response.content
    assert all(str(v.decoded("DTSTART").tzinfo) == "Europe/Berlin" for v in vevents)


def test_the_feed_token_stays_the_same_for_a_person(contact_a, contact_b):
    token = feed_token_for(contact_a)
    assert feed_token_for(contact_a) == token
    assert feed_token_for(contact_b) != token
    assert len(token) >= 40


def test_an_unknown_feed_token_gives_not_found(client, contact_a):
    feed_token_for(contact_a)

    response = client.get(reverse("meetings:feed", args=["kein-gueltiges-token"]))

    assert response.status_code == 404


def test_the_confirmation_mail_carries_the_calendar_file(member_a, contact_a):
    event = _online_event()

    registration = services.register(event, contact_a, contact_a)

    assert registration.status == Registration.Status.CONFIRMED
    [attachment] = OutboundEmailAttachment.objects.filter(
        email__kind="meetings/registration_confirmed", mimetype="text/calendar"
    )
    assert attachment.email.to == contact_a.email
    assert attachment.filename == "veranstaltung.ics"
    with attachment.file.open("rb") as handle:
        [vevent] = Calendar.from_ical(handle.read()).walk("VEVENT")
    assert str(vevent["UID"]).startswith(f"event-{event.pk}@")
    assert LINK in str(vevent["DESCRIPTION"])


def test_the_waiting_list_mail_has_no_calendar_file_but_the_promotion_mail_has(
    member_a, contact_a, colleague_a
):
    event = _online_event(capacity=1)
    first = services.register(event, contact_a, contact_a)
    second = services.register(event, colleague_a, contact_a)
    assert second.status == Registration.Status.WAITLISTED
    assert not OutboundEmailAttachment.objects.filter(
        email__kind="meetings/registration_waitlisted"
    ).exists()

    services.cancel(first, contact_a)

    promoted = OutboundEmailAttachment.objects.get(email__kind="meetings/registration_promoted")
    assert promoted.mimetype == "text/calendar"
    assert promoted.email.to == colleague_a.email


def test_the_feed_speaks_the_language_the_person_chose(client, contact_a, organisation_a):
    _registration(EventFactory(title="Workshop"), contact_a, organisation_a, "waitlisted")
    assert contact_a.language == "de"

    response = client.get(reverse("meetings:feed", args=[feed_token_for(contact_a)]))

    [vevent] = _events(response)
    # German from the catalogue (maintained elsewhere), not the English source text.
    assert str(vevent["SUMMARY"]).startswith("Workshop (")
    assert str(vevent["SUMMARY"]) != "Workshop (waiting list)"
