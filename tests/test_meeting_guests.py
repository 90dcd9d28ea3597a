"""Guests of open events: the form, double opt-in, their personal page, limits and privacy."""

from __future__ import annotations

import datetime
import re
import threading
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from meetings.events import guests, services
from meetings.models import Event, Registration
from portal.models import OutboundEmail, OutboundEmailAttachment
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status
LINK = "https://konferenz.example/raum/gast-789"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def workshop():
    return EventFactory(
        kind=Event.Kind.WORKSHOP,
        title="Workshop Engagementförderung",
        audience=Event.Audience.OPEN,
        capacity=2,
    )


def guest_data(**changes) -> dict[str, str]:
    return {
        "name": "Gerda Gast",
        "email": "gerda@verein.example",
        "organisation": "Freiwilligenagentur Musterstadt",
        "listed_consent": "on",
        "needs": "Rollstuhlplatz",
        "privacy": "on",
        **changes,
    }


def apply(client, event, **changes):
    return client.post(reverse("meetings:guest_register", args=[event.pk]), guest_data(**changes))


def confirm_path(email: str = "gerda@verein.example") -> str:
    mail = OutboundEmail.objects.filter(kind="meetings/guest_confirm", to=email).latest("pk")
    match = re.search(r"https?://\S+(/anmeldung/gast/bestaetigen/[^/\s]+/)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def confirmed_guest(client, event, email="gerda@verein.example") -> Registration:
    apply(client, event, email=email)
    response = client.post(confirm_path(email))
    assert response.status_code == 302
    return Registration.objects.get(event=event, guest_email=email)


def kinds() -> list[str]:
    return list(OutboundEmail.objects.order_by("pk").values_list("kind", flat=True))


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


# --- Nothing leaks -----------------------------------------------------------------------------


def _visible(response) -> tuple:
    return response.status_code, response.get("Location"), response.content


def test_the_page_never_tells_whether_an_address_is_registered(client, workshop):
    fresh = apply(client, workshop)
    again_pending = apply(client, workshop, name="Gerda G.")
    assert Registration.objects.count() == 1
    registration = Registration.objects.get()
    assert registration.guest_name == "Gerda G."
    assert registration.status == Status.PENDING
    assert OutboundEmail.objects.filter(kind="meetings/guest_confirm").count() == 2

    client.post(confirm_path())
    registered = apply(client, workshop)

    assert _visible(fresh) == _visible(again_pending) == _visible(registered)
    cache.clear()  # the mails per address are limited; here each one is to be counted
    htmx = [
        client.post(
            reverse("meetings:guest_register", args=[workshop.pk]),
            guest_data(email=email),
            **HTMX,
        )
        for email in ("neu@verein.example", "gerda@verein.example", "GERDA@verein.example")
    ]
    assert len({_visible(response) for response in htmx}) == 1
    assert Registration.objects.filter(guest_email__iexact="gerda@verein.example").count() == 1
    told = OutboundEmail.objects.filter(kind="meetings/guest_already_registered")
    assert told.count() == 3
    assert reverse("meetings:guest_registration", args=[registration.guest_token]) in (
        told.first().body_text
    )


def test_a_member_with_that_address_is_told_instead_of_a_second_registration(client, contact_a):
    event = EventFactory(audience=Event.Audience.OPEN)
    services.register(event, contact_a, contact_a)

    apply(client, event, email=contact_a.email.upper())

    assert Registration.objects.count() == 1
    mail = OutboundEmail.objects.get(kind="meetings/guest_already_registered")
    assert mail.to == contact_a.email
    registration = Registration.objects.get()
    assert reverse("meetings:registration", args=[registration.pk]) in mail.body_text


def test_a_guest_address_cannot_also_be_registered_by_its_member_account(client, workshop):
    confirmed_guest(client, workshop)
    member = UserFactory(email="gerda@verein.example")
    with pytest.raises(services.RegistrationError):
        services.register(workshop, member, member)


def test_one_network_is_stopped_after_ten_registrations_an_hour(client):
    event = EventFactory(audience=Event.Audience.OPEN, capacity=None)
    for n in range(guests.GUEST_REQUESTS_PER_IP_AND_HOUR):
        assert apply(client, event, email=f"person{n}@verein.example").status_code == 302

    response = apply(client, event, email="noch-jemand@verein.example")

    assert response.status_code == 429
    assert b"data-registration-error" in response.content
    assert b"noch-jemand@verein.example" in response.content
    assert Registration.objects.count() == guests.GUEST_REQUESTS_PER_IP_AND_HOUR
    other_network = Client(REMOTE_ADDR="10.1.2.3")
    assert apply(other_network, event, email="noch-jemand@verein.example").status_code == 302


def test_one_address_gets_a_few_mails_an_hour_at_most(workshop):
    for n in range(guests.GUEST_MAILS_PER_ADDRESS_AND_HOUR + 2):
        response = apply(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), workshop)
        assert response.status_code == 302
    assert OutboundEmail.objects.count() == guests.GUEST_MAILS_PER_ADDRESS_AND_HOUR


# --- Places under load ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_guests_and_members_confirming_at_once_share_the_places():
    event = EventFactory(audience=Event.Audience.OPEN, capacity=10)
    members = [UserFactory() for _ in range(25)]
    pending = [
        Registration.objects.create(
            event=event,
            status=Status.PENDING,
            guest_name=f"Gast {n}",
            guest_email=f"gast{n}@verein.example",
            guest_token=f"token-{n}",
        )
        for n in range(25)
    ]
    barrier = threading.Barrier(len(members) + len(pending))
    errors: list[Exception] = []

    def run(action, *args):
        try:
            barrier.wait()
            action(*args)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(services.register, event, m, m)) for m in members]
    threads += [threading.Thread(target=run, args=(services.confirm_guest, r)) for r in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = dict(
        Registration.objects.filter(event=event).values_list("status").annotate(n=Count("id"))
    )
    assert counts == {"confirmed": 10, "waitlisted": 40}


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


# --- Requests that were never confirmed ---------------------------------------------------------


def test_requests_never_confirmed_are_deleted_once_their_link_expired(client, workshop):
    apply(client, workshop, email="alt@verein.example")
    apply(client, workshop, email="neu@verein.example")
    confirmed = confirmed_guest(client, workshop, email="bestaetigt@verein.example")
    Registration.objects.filter(guest_email="alt@verein.example").update(
        created_at=timezone.now()
        - services.GUEST_CONFIRMATION_MAX_AGE
        - datetime.timedelta(hours=2)
    )
    Registration.objects.filter(pk=confirmed.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )

    assert services.delete_unconfirmed_guests() == 1

    left = set(Registration.objects.values_list("guest_email", flat=True))
    assert left == {"neu@verein.example", "bestaetigt@verein.example"}


def test_asking_again_restarts_the_clock_of_a_pending_request(client, workshop):
    apply(client, workshop)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Registration.objects.filter(guest_email="gerda@verein.example").update(created_at=long_ago)

    apply(client, workshop)

    assert services.delete_unconfirmed_guests() == 0
    assert Registration.objects.get(guest_email="gerda@verein.example").created_at > long_ago


def test_beat_deletes_unconfirmed_requests_every_hour(settings):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "meetings.events.tasks.delete_unconfirmed_guests"
    ]
    assert [entry["schedule"] for entry in entries] == [3600]


def test_the_confirmation_mail_does_not_carry_the_name_a_stranger_typed(client, workshop):
    # Anyone can enter somebody else's address: the mail to it must not quote their text.
    apply(client, workshop, name="WICHTIG: Konto prüfen auf https://evil.example/login")
    mail = OutboundEmail.objects.get(kind="meetings/guest_confirm")
    for body in (mail.subject, mail.body_text, mail.body_html):
        assert "evil.example" not in body
        assert "WICHTIG" not in body
    assert mail.body_text.startswith("Guten Tag,")
