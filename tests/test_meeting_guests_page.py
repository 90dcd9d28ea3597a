"""Guests of open events: the guest's personal page, the calendar file, cancelling and
choosing workshops."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings.events import services
from meetings.models import Event, Registration
from portal.models import OutboundEmail
from tests.factories import EventFactory
from tests.support import meeting_guests as support
from tests.support.meeting_guests import Status, apply, confirmed_guest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/meeting_guests.py that these tests ask for by name.
workshop = support.workshop


LINK = "https://konferenz.example/raum/gast-789"


# --- The guest's page --------------------------------------------------------------------------


def test_the_guest_page_shows_the_registration_with_the_link_only_when_confirmed(client):
    event = EventFactory(
        audience=Event.Audience.OPEN, format=Event.Format.ONLINE, meeting_link=LINK, capacity=1
    )
    first = confirmed_guest(client, event, "eins@verein.example")
    second = confirmed_guest(client, event, "zwei@verein.example")

    page = client.get(reverse("meetings:guest_registration", args=[first.guest_token]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert 'data-registration-status="confirmed"' in html
    assert LINK in html
    assert "Gerda Gast" in html
    assert reverse("meetings:guest_ics", args=[first.guest_token]) in html
    assert reverse("meetings:guest_cancel", args=[first.guest_token]) in html
    assert reverse("meetings:registration", args=[first.pk]) not in html

    html = client.get(reverse("meetings:guest_registration", args=[second.guest_token])).text
    assert 'data-registration-status="waitlisted"' in html
    assert LINK not in html


def test_unknown_tokens_and_unconfirmed_registrations_have_no_page(client, workshop, contact_a):
    apply(client, workshop)
    pending = Registration.objects.get()
    member = services.register(workshop, contact_a, contact_a)
    member.guest_token = "mitglied-token"
    member.save(update_fields=["guest_token"])
    for token in ("unbekannt", pending.guest_token, "mitglied-token"):
        for name in ("guest_registration", "guest_ics", "guest_cancel"):
            assert client.get(reverse(f"meetings:{name}", args=[token])).status_code == 404


def test_the_guest_downloads_the_calendar_file(client):
    event = EventFactory(
        audience=Event.Audience.OPEN, format=Event.Format.HYBRID, meeting_link=LINK
    )
    registration = confirmed_guest(client, event)

    response = client.get(reverse("meetings:guest_ics", args=[registration.guest_token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    [vevent] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert LINK in str(vevent["DESCRIPTION"])


def test_a_guest_cancels_and_the_first_waiting_member_moves_up(client, contact_a):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=1)
    registration = confirmed_guest(client, event)
    waiting = services.register(event, contact_a, contact_a)
    assert waiting.status == Status.WAITLISTED
    cancel_url = reverse("meetings:guest_cancel", args=[registration.guest_token])

    confirm = client.get(cancel_url)
    assert b'id="cancel-form"' in confirm.content
    assert b"Gerda Gast" in confirm.content
    response = client.post(cancel_url)

    assert response.status_code == 302
    assert response.url == reverse("meetings:guest_registration", args=[registration.guest_token])
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert waiting.status == Status.CONFIRMED
    assert OutboundEmail.objects.filter(
        kind="meetings/registration_promoted", to=contact_a.email
    ).exists()
    assert OutboundEmail.objects.filter(
        kind="meetings/registration_cancelled", to="gerda@verein.example"
    ).exists()
    page = client.get(response.url).content.decode()
    assert 'data-registration-status="cancelled"' in page
    assert cancel_url not in page


def test_a_guest_cannot_cancel_after_the_deadline(client, workshop):
    registration = confirmed_guest(client, workshop)
    Event.objects.filter(pk=workshop.pk).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    client.post(reverse("meetings:guest_cancel", args=[registration.guest_token]))
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_the_guest_chooses_workshops_through_the_personal_link(client, workshop):
    registration = confirmed_guest(client, workshop)
    url = reverse("meetings:guest_sessions", args=[registration.guest_token])
    assert url == f"/anmeldung/gast/{registration.guest_token}/workshops/"
    response = client.get(url)
    assert response.status_code == 200
    assert reverse("meetings:guest_registration", args=[registration.guest_token]).encode() in (
        response.content
    )
    assert client.get(reverse("meetings:guest_sessions", args=["unbekannt"])).status_code == 404
