"""The event pages: registering, with and without htmx."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from meetings.models import Event, Registration
from tests.factories import EventFactory
from tests.helpers import client_for, levels
from tests.support import meeting_views as support
from tests.support.meeting_views import Status, register, registration_of

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/meeting_views.py that these tests ask for by name.
event = support.event


# --- Registering ------------------------------------------------------------------------------


def test_registering_gives_a_place_and_leads_to_the_registration(event, colleague_a, member_a):
    response = register(colleague_a, event, listed_consent="on", needs="vegetarisch")
    registration = registration_of(colleague_a, event)
    assert response.status_code == 302
    assert response.url == reverse("meetings:registration", args=[registration.pk])
    assert registration.status == Status.CONFIRMED
    assert registration.listed_consent is True
    assert registration.needs == "vegetarisch"
    assert registration.registered_by == colleague_a
    assert levels(response) == ["success"]


def test_registering_for_a_full_event_puts_one_on_the_waiting_list(colleague_a, member_a):
    event = EventFactory(capacity=0)
    response = register(colleague_a, event)
    assert registration_of(colleague_a, event).status == Status.WAITLISTED
    assert levels(response) == ["info"]


# Issue 19's rush: 500 people at once on one event. Each registration's queries are round trips
# of the gunicorn worker, several of them under the event's row lock; there were 20, then 13
# before the person's registrations and the places were counted in one query.
@pytest.mark.parametrize("capacity", [10, 0], ids=["place", "waiting list"])
def test_registering_oneself_takes_at_most_twelve_queries(
    capacity, colleague_a, member_a, django_assert_max_num_queries
):
    event = EventFactory(capacity=capacity)
    client = client_for(colleague_a)
    # Read once per process, as in a running server; tests that ran before may have done it.
    ContentType.objects.get_for_model(Registration)
    with django_assert_max_num_queries(12):
        response = client.post(reverse("meetings:register", args=[event.pk]))
    assert response.status_code == 302
    assert registration_of(colleague_a, event).status == (
        Status.CONFIRMED if capacity else Status.WAITLISTED
    )


def test_a_contact_registers_a_colleague(event, contact_a, colleague_a, member_a):
    register(contact_a, event, participant=colleague_a.pk)
    registration = registration_of(colleague_a, event)
    assert registration.registered_by == contact_a
    assert not Registration.objects.filter(user=contact_a).exists()


def test_nobody_registers_people_of_another_municipality(
    event, contact_a, colleague_a, member_a, contact_b
):
    assert register(contact_a, event, participant=contact_b.pk).status_code == 404
    assert register(contact_a, event, participant="x").status_code == 404
    assert register(colleague_a, event, participant=contact_a.pk).status_code == 403
    assert not Registration.objects.exists()


def test_a_non_member_is_refused_with_the_reason(event, contact_b):
    response = register(contact_b, event)
    assert response.status_code == 200
    assert b"data-refusal" in response.content
    assert not Registration.objects.exists()


def test_registering_twice_shows_a_message_on_the_page(event, contact_a, colleague_a, member_a):
    register(contact_a, event, participant=colleague_a.pk)
    response = register(contact_a, event, participant=colleague_a.pk, needs="Rampe")
    assert response.status_code == 200
    html = response.content.decode()
    # The picker no longer offers her: the message stands next to it.
    assert 'id="id_participant_error"' in html
    assert "Rampe" in html
    assert Registration.objects.filter(user=colleague_a).count() == 1


def test_too_long_needs_are_shown_next_to_the_field_with_the_values_kept(
    event, colleague_a, member_a
):
    response = register(colleague_a, event, listed_consent="on", needs="x" * 1001)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_needs_error"' in html
    assert "x" * 1001 in html
    assert re.search(r'<input[^>]*name="listed_consent"[^>]*checked', html)
    assert not Registration.objects.exists()


def test_registering_needs_a_login_and_a_post(client, event, colleague_a, member_a):
    url = reverse("meetings:register", args=[event.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    assert client_for(colleague_a).get(url).status_code == 405
    draft = EventFactory(status=Event.Status.DRAFT)
    assert register(colleague_a, draft).status_code == 404


# --- Registering with htmx ---------------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_with_htmx_registering_swaps_the_section_for_the_new_state(event, colleague_a, member_a):
    client = client_for(colleague_a)
    url = reverse("meetings:register", args=[event.pk])
    html = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()
    assert f'hx-post="{url}"' in html
    assert f'action="{url}"' in html
    assert 'hx-target="#registration-area"' in html

    response = client.post(url, {"listed_consent": "on"}, **HTMX)

    registration = registration_of(colleague_a, event)
    assert registration.status == Status.CONFIRMED
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-registered="confirmed"' in html
    assert reverse("meetings:registration", args=[registration.pk]) in html
    assert reverse("meetings:registration_ics", args=[registration.pk]) in html
    assert 'id="register-form"' not in html
    # The places left beside the section are updated out of band.
    assert re.search(
        r'<dd id="places-left" class="[^"]+" data-places-left="9"\s+data-hx-swap-oob="true">', html
    )
    assert levels(response) == []


def test_with_htmx_a_full_event_shows_the_waiting_place(colleague_a, member_a):
    event = EventFactory(capacity=0)
    response = client_for(colleague_a).post(
        reverse("meetings:register", args=[event.pk]), {}, **HTMX
    )
    assert 'data-registered="waitlisted"' in response.content.decode()
    assert registration_of(colleague_a, event).status == Status.WAITLISTED


def test_with_htmx_a_contact_gets_the_form_again_for_the_next_colleague(
    event, contact_a, colleague_a, member_a
):
    response = client_for(contact_a).post(
        reverse("meetings:register", args=[event.pk]), {"participant": colleague_a.pk}, **HTMX
    )
    html = response.content.decode()
    assert 'data-registered="confirmed"' in html
    assert colleague_a.get_full_name() in html
    assert 'id="register-form"' in html


def test_with_htmx_errors_come_back_next_to_the_fields_with_the_input_kept(
    event, colleague_a, member_a
):
    response = client_for(colleague_a).post(
        reverse("meetings:register", args=[event.pk]),
        {"listed_consent": "on", "needs": "y" * 1001},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="id_needs_error"' in html
    assert "y" * 1001 in html
    assert re.search(r'<input[^>]*name="listed_consent"[^>]*checked', html)
    assert not Registration.objects.exists()


def test_with_htmx_a_refusal_is_shown_in_the_section(event, contact_b):
    response = client_for(contact_b).post(reverse("meetings:register", args=[event.pk]), {}, **HTMX)
    assert response.status_code == 200
    assert b"data-refusal" in response.content
    assert b"<html" not in response.content


def test_the_full_page_is_given_to_htmx_only_for_posts(event, colleague_a, member_a):
    response = client_for(colleague_a).get(
        reverse("meetings:event_detail", args=[event.pk]), **HTMX
    )
    assert b"<html" in response.content
