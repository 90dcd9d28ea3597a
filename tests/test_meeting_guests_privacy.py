"""Guests of open events: nothing leaks, limits, places under load, and requests that were
never confirmed."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.events import guests, services
from meetings.models import Event, Registration
from portal.models import OutboundEmail
from tests.factories import EventFactory, UserFactory
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
