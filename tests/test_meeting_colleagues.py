"""A contact registered for an event still registers colleagues: the event page and her
registration page keep the picker of the colleagues not registered yet (issue 15, item 3)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from meetings.events import services
from meetings.models import Registration
from tests.factories import AffiliationFactory, EventFactory
from tests.helpers import client_for, levels

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def event():
    return EventFactory()


@pytest.fixture
def registered_contact(event, contact_a, member_a):
    services.register(event, contact_a, registered_by=contact_a)
    return contact_a


@pytest.fixture
def second_colleague(organisation_a):
    return AffiliationFactory(organisation=organisation_a, role="colleague").user


def options(html: str) -> list[str]:
    form = html.split('id="register-form"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<option value="([^"]*)"', form)


def test_the_event_page_keeps_the_picker_beside_the_note_that_she_is_registered(
    event, registered_contact, colleague_a, second_colleague
):
    services.register(event, second_colleague, registered_by=registered_contact)
    html = client_for(registered_contact).get(reverse("meetings:event_detail", args=[event.pk]))
    page = html.content.decode()
    assert 'data-registration-state="confirmed"' in page
    assert 'id="register-form"' in page
    # Only who is not registered yet, and no "I register myself".
    assert options(page) == ["", str(colleague_a.pk)]
    assert 'id="colleague-heading"' in page


def test_her_registration_page_offers_the_colleagues_not_registered_yet(
    event, registered_contact, colleague_a
):
    registration = Registration.objects.get(user=registered_contact, event=event)
    page = client_for(registered_contact).get(
        reverse("meetings:registration", args=[registration.pk])
    )
    html = page.content.decode()
    assert "data-register-colleague" in html
    assert f'action="{reverse("meetings:register", args=[event.pk])}"' in html
    assert options(html) == ["", str(colleague_a.pk)]
    assert html.count("<h1") == 1


def test_a_registered_contact_registers_a_colleague_from_her_registration_page(
    event, registered_contact, colleague_a
):
    response = client_for(registered_contact).post(
        reverse("meetings:register", args=[event.pk]),
        {"participant": colleague_a.pk, "listed_consent": "on"},
    )
    registration = Registration.objects.get(user=colleague_a, event=event)
    assert response.status_code == 302
    assert response.url == reverse("meetings:registration", args=[registration.pk])
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.registered_by == registered_contact
    assert levels(response) == ["success"]


def test_with_htmx_the_next_colleague_can_be_registered_at_once(
    event, registered_contact, colleague_a, second_colleague
):
    response = client_for(registered_contact).post(
        reverse("meetings:register", args=[event.pk]), {"participant": colleague_a.pk}, **HTMX
    )
    html = response.content.decode()
    assert 'data-registered="confirmed"' in html
    assert 'data-registration-state="confirmed"' in html  # her own registration
    assert options(html) == ["", str(second_colleague.pk)]


def test_a_registered_contact_must_choose_a_colleague(event, registered_contact, colleague_a):
    response = client_for(registered_contact).post(
        reverse("meetings:register", args=[event.pk]), {"needs": "vegetarisch"}, **HTMX
    )
    html = response.content.decode()
    assert 'id="id_participant_error"' in html
    assert "vegetarisch" in html
    assert Registration.objects.filter(event=event).count() == 1


def test_a_colleague_registered_meanwhile_is_refused_next_to_the_field(
    event, registered_contact, colleague_a
):
    services.register(event, colleague_a, registered_by=colleague_a)
    response = client_for(registered_contact).post(
        reverse("meetings:register", args=[event.pk]), {"participant": colleague_a.pk}, **HTMX
    )
    assert 'id="id_participant_error"' in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 2


def test_once_everyone_is_registered_there_is_no_form(event, registered_contact, colleague_a):
    services.register(event, colleague_a, registered_by=registered_contact)
    html = client_for(registered_contact).get(reverse("meetings:event_detail", args=[event.pk]))
    assert b'data-registration-state="confirmed"' in html.content
    assert b'id="register-form"' not in html.content


def test_a_registered_colleague_gets_no_picker(event, registered_contact, colleague_a):
    services.register(event, colleague_a, registered_by=colleague_a)
    registration = Registration.objects.get(user=colleague_a, event=event)
    client = client_for(colleague_a)
    for url in (
        reverse("meetings:event_detail", args=[event.pk]),
        reverse("meetings:registration", args=[registration.pk]),
    ):
        assert b'id="register-form"' not in client.get(url).content


def test_after_the_registration_closed_there_is_no_picker(event, registered_contact, colleague_a):
    event.registration_closes_at = event.created_at
    event.save()
    registration = Registration.objects.get(user=registered_contact, event=event)
    client = client_for(registered_contact)
    for url in (
        reverse("meetings:event_detail", args=[event.pk]),
        reverse("meetings:registration", args=[registration.pk]),
    ):
        assert b'id="register-form"' not in client.get(url).content
