"""Guests of open events: the form, double opt-in, and the form with htmx."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from meetings.events import services
from meetings.models import Event, Registration
from portal.models import OutboundEmail, OutboundEmailAttachment
from tests.factories import EventFactory
from tests.support import meeting_guests as support
from tests.support.meeting_guests import (
    HTMX,
    Status,
    apply,
    confirm_path,
    confirmed_guest,
    guest_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/meeting_guests.py that these tests ask for by name.
workshop = support.workshop


# --- The form --------------------------------------------------------------------------------


def test_visitors_see_the_guest_form_on_open_events_beside_the_login(client, workshop):
    html = client.get(reverse("meetings:event_detail", args=[workshop.pk])).content.decode()
    assert 'data-registration-state="anonymous"' in html
    assert 'id="guest-form"' in html
    for name in ("name", "email", "organisation", "listed_consent", "needs", "privacy"):
        assert f'name="{name}"' in html
    assert reverse("privacy") in html
    assert f'hx-post="{reverse("meetings:guest_register", args=[workshop.pk])}"' in html


def test_members_only_events_show_no_guest_form_and_refuse_guests(client):
    meeting = EventFactory()
    html = client.get(reverse("meetings:event_detail", args=[meeting.pk])).content.decode()
    assert 'id="guest-form"' not in html
    assert "data-registration-state" in html
    response = apply(client, meeting)
    assert response.status_code == 403
    assert not Registration.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert client.get(reverse("meetings:guest_check_email", args=[meeting.pk])).status_code == 403


def test_a_closed_registration_window_is_explained_instead_of_the_form(client):
    closed = EventFactory(
        audience=Event.Audience.OPEN,
        registration_closes_at=timezone.now() - datetime.timedelta(hours=1),
    )
    html = client.get(reverse("meetings:event_detail", args=[closed.pk])).content.decode()
    assert "data-guest-refusal" in html
    assert 'id="guest-form"' not in html
    response = apply(client, closed)
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_the_form_starts_a_pending_registration_and_mails_a_link(client, workshop):
    response = apply(client, workshop)

    assert response.status_code == 302
    assert response.url == reverse("meetings:guest_check_email", args=[workshop.pk])
    registration = Registration.objects.get()
    assert registration.user is None
    assert registration.status == Status.PENDING
    assert registration.guest_name == "Gerda Gast"
    assert registration.guest_email == "gerda@verein.example"
    assert registration.guest_organisation == "Freiwilligenagentur Musterstadt"
    assert registration.guest_language == "de"
    assert registration.listed_consent is True
    assert registration.needs == "Rollstuhlplatz"
    assert len(registration.guest_token) >= 40
    assert registration.confirmed_at is None
    mail = OutboundEmail.objects.get()
    assert mail.kind == "meetings/guest_confirm"
    assert mail.to == "gerda@verein.example"
    assert "72" in mail.body_text
    assert confirm_path() in mail.body_html
    # No place is held yet.
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"data-guest-sent" in page.content
    detail = client.get(reverse("meetings:event_detail", args=[workshop.pk])).content
    assert b'data-places-left="2"' in detail


def test_the_guests_language_is_the_language_of_the_page(workshop):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    # The requests leave English active in this thread; the override puts German back after.
    with translation.override("de"):
        client.post(reverse("set_language"), {"language": "en"})
        apply(client, workshop)
    registration = Registration.objects.get()
    assert registration.guest_language == "en"
    assert OutboundEmail.objects.get().subject.startswith("Please confirm your registration")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 201),
        ("name", ""),
        ("email", "keine-adresse"),
        ("email", "a" * 250 + "@verein.example"),
        ("organisation", "o" * 201),
        ("needs", "n" * 1001),
        ("privacy", ""),
    ],
)
def test_bad_input_is_shown_next_to_the_field_with_everything_kept(client, workshop, field, value):
    response = apply(client, workshop, **{field: value})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    for name, typed in guest_data(**{field: value}).items():
        if name not in ("listed_consent", "privacy") and typed:
            assert typed in html
    assert re.search(r'<input[^>]*name="listed_consent"[^>]*checked', html)
    assert not Registration.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_logged_in_people_are_sent_to_register_with_their_account(workshop, contact_a):
    client = Client()
    client.force_login(contact_a)
    html = client.get(reverse("meetings:event_detail", args=[workshop.pk])).content.decode()
    assert 'id="guest-form"' not in html
    response = apply(client, workshop)
    assert response.status_code == 302
    assert not Registration.objects.exists()


# --- Double opt-in ----------------------------------------------------------------------------


def test_the_link_asks_for_a_click_and_then_gives_a_place(client, workshop):
    apply(client, workshop)
    path = confirm_path()

    page = client.get(path)
    assert page.status_code == 200
    assert b'id="guest-confirm-form"' in page.content
    assert Registration.objects.get().status == Status.PENDING

    response = client.post(path)

    registration = Registration.objects.get()
    assert registration.status == Status.CONFIRMED
    assert registration.confirmed_at is not None
    assert response.status_code == 302
    assert response.url == reverse("meetings:guest_registration", args=[registration.guest_token])
    mail = OutboundEmail.objects.get(kind="meetings/registration_confirmed")
    assert mail.to == "gerda@verein.example"
    assert "Gerda Gast" in mail.body_text
    assert response.url in mail.body_text
    assert reverse("meetings:registration", args=[registration.pk]) not in mail.body_text
    attachment = OutboundEmailAttachment.objects.get(email=mail)
    assert attachment.mimetype == "text/calendar; method=PUBLISH"


def test_a_guest_of_a_full_event_goes_on_the_waiting_list(client):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=0)
    registration = confirmed_guest(client, event)
    assert registration.status == Status.WAITLISTED
    mail = OutboundEmail.objects.get(kind="meetings/registration_waitlisted")
    assert reverse("meetings:guest_registration", args=[registration.guest_token]) in (
        mail.body_text
    )


def test_a_full_event_without_waiting_list_refuses_the_confirmation_clearly(client):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=0, waitlist_enabled=False)
    apply(client, event)
    response = client.post(confirm_path())
    assert response.status_code == 409
    assert b'data-link-problem="refused"' in response.content
    assert Registration.objects.get().status == Status.PENDING


def test_the_limit_per_municipality_does_not_apply_to_guests(client):
    event = EventFactory(audience=Event.Audience.OPEN, limit_per_organisation=1)
    first = confirmed_guest(client, event, "eins@verein.example")
    second = confirmed_guest(client, event, "zwei@verein.example")
    assert first.status == second.status == Status.CONFIRMED


def test_a_used_link_says_so_and_changes_nothing(client, workshop):
    apply(client, workshop)
    path = confirm_path()
    client.post(path)
    mails = OutboundEmail.objects.count()

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200
        assert b'data-link-problem="used"' in response.content
    assert OutboundEmail.objects.count() == mails
    assert Registration.objects.get().status == Status.CONFIRMED


def test_an_expired_link_explains_and_points_back_to_the_event(client, workshop, monkeypatch):
    old = signing.b62_encode(
        int(time.time() - services.GUEST_CONFIRMATION_MAX_AGE.total_seconds() - 60)
    )
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: old)
        apply(client, workshop)
    path = confirm_path()

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert b'data-link-problem="expired"' in response.content
        assert reverse("meetings:event_detail", args=[workshop.pk]).encode() in response.content
    assert Registration.objects.get().status == Status.PENDING


@pytest.mark.parametrize(
    "make_code",
    [
        lambda: "kaputt",
        lambda: "1:1t2Xy:abc",
        lambda: signing.dumps(1, salt="something-else"),
        lambda: signing.dumps("x", salt=services.GUEST_CONFIRMATION_SALT),
    ],
    ids=["garbage", "forged", "other salt", "not a number"],
)
def test_an_invalid_link_gives_a_clear_page(client, workshop, make_code):
    response = client.get(reverse("meetings:guest_confirm", args=[make_code()]))
    assert response.status_code == 404
    assert b'data-link-problem="invalid"' in response.content


def test_a_link_of_a_deleted_registration_is_invalid(client, workshop):
    apply(client, workshop)
    path = confirm_path()
    Registration.objects.all().delete()
    response = client.post(path)
    assert response.status_code == 404
    assert b'data-link-problem="invalid"' in response.content


# --- htmx --------------------------------------------------------------------------------------


def test_with_htmx_the_form_is_swapped_for_the_check_your_mail_notice(client, workshop):
    url = reverse("meetings:guest_register", args=[workshop.pk])

    response = client.post(url, guest_data(), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "data-guest-sent" in html
    assert 'id="guest-form"' not in html
    assert "HX-Request" in response["Vary"]
    assert Registration.objects.get().status == Status.PENDING


def test_with_htmx_bad_input_comes_back_in_the_form(client, workshop):
    url = reverse("meetings:guest_register", args=[workshop.pk])

    response = client.post(url, guest_data(email="kaputt", needs="Gebärdensprache"), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="id_email_error"' in html
    assert "Gebärdensprache" in html
    assert not Registration.objects.exists()
