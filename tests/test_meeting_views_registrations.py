"""The event pages: a registration and who may see it, cancelling it, and the calendar feed
on its page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.events.calendar import feed_token_for
from meetings.models import Event
from tests.factories import AffiliationFactory, EventFactory
from tests.helpers import client_for, levels
from tests.support import meeting_views as support
from tests.support.meeting_views import LINK, Status, register, registration_of

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/meeting_views.py that these tests ask for by name.
event = support.event


# --- A registration and who may see it ---------------------------------------------------------


@pytest.fixture
def people(
    member_a, contact_a, colleague_a, head_a, contact_b, staff_user, user_without_organisation
):
    return {
        "participant": colleague_a,
        "colleague": AffiliationFactory(organisation=member_a, role="colleague").user,
        "contact": contact_a,
        "head": head_a,
        "other municipality": contact_b,
        "no municipality": user_without_organisation,
        "staff": staff_user,
    }


ALLOWED = {"participant", "contact", "head", "staff"}


@pytest.mark.parametrize(
    "who",
    [
        "participant",
        "colleague",
        "contact",
        "head",
        "other municipality",
        "no municipality",
        "staff",
        "anonymous",
    ],
)
@pytest.mark.parametrize("name", ["meetings:registration", "meetings:cancel"])
def test_only_the_participant_their_contacts_and_staff_see_a_registration(people, event, who, name):
    register(people["participant"], event)
    registration = registration_of(people["participant"], event)
    response = client_for(people.get(who)).get(reverse(name, args=[registration.pk]))
    if who == "anonymous":
        assert response.status_code == 302
        assert reverse("account_login") in response.url
    elif who in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who", ["colleague", "other municipality", "no municipality", "anonymous"])
def test_others_cannot_cancel_a_registration(people, event, who):
    register(people["participant"], event)
    registration = registration_of(people["participant"], event)
    client_for(people.get(who)).post(reverse("meetings:cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_the_meeting_link_is_shown_only_to_confirmed_registrants(colleague_a, contact_a, member_a):
    event = EventFactory(format=Event.Format.HYBRID, meeting_link=LINK, capacity=1)
    register(colleague_a, event)
    register(contact_a, event)
    confirmed = registration_of(colleague_a, event)
    waiting = registration_of(contact_a, event)
    assert waiting.status == Status.WAITLISTED
    html = client_for(colleague_a).get(reverse("meetings:registration", args=[confirmed.pk]))
    assert b"data-meeting-link" in html.content
    assert LINK.encode() in html.content
    html = client_for(contact_a).get(reverse("meetings:registration", args=[waiting.pk]))
    assert LINK.encode() not in html.content
    assert reverse("meetings:registration_ics", args=[waiting.pk]).encode() in html.content
    assert reverse("meetings:cancel", args=[waiting.pk]).encode() in html.content


def test_in_person_events_show_no_link_even_if_one_is_stored(colleague_a, member_a):
    event = EventFactory(meeting_link=LINK)
    register(colleague_a, event)
    registration = registration_of(colleague_a, event)
    response = client_for(colleague_a).get(reverse("meetings:registration", args=[registration.pk]))
    assert LINK.encode() not in response.content


# --- Cancelling -------------------------------------------------------------------------------


def test_cancelling_frees_the_place_for_the_first_on_the_waiting_list(
    colleague_a, contact_a, member_a
):
    event = EventFactory(capacity=1)
    register(colleague_a, event)
    register(contact_a, event)
    first = registration_of(colleague_a, event)
    client = client_for(colleague_a)
    confirm = client.get(reverse("meetings:cancel", args=[first.pk]))
    assert b'id="cancel-form"' in confirm.content
    response = client.post(reverse("meetings:cancel", args=[first.pk]))
    assert response.status_code == 302
    assert response.url == reverse("meetings:registration", args=[first.pk])
    first.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert registration_of(contact_a, event).status == Status.CONFIRMED
    page = client.get(response.url)
    assert b'data-registration-status="cancelled"' in page.content
    assert reverse("meetings:cancel", args=[first.pk]).encode() not in page.content


def test_a_contact_cancels_for_a_colleague(event, contact_a, colleague_a, member_a):
    register(colleague_a, event)
    registration = registration_of(colleague_a, event)
    client_for(contact_a).post(reverse("meetings:cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_cancelling_after_the_deadline_shows_the_reason(event, colleague_a, member_a):
    register(colleague_a, event)
    registration = registration_of(colleague_a, event)
    Event.objects.filter(pk=event.pk).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    response = client_for(colleague_a).post(reverse("meetings:cancel", args=[registration.pk]))
    assert response.status_code == 302
    assert levels(response) == ["error"]
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_staff_may_cancel_after_the_deadline(event, colleague_a, member_a, staff_user):
    register(colleague_a, event)
    registration = registration_of(colleague_a, event)
    Event.objects.filter(pk=event.pk).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    client_for(staff_user).post(reverse("meetings:cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_a_new_user_of_a_member_can_register(event, member_a):
    user = AffiliationFactory(organisation=member_a, role="colleague").user
    register(user, event)
    assert registration_of(user, event).status == Status.CONFIRMED


# --- The calendar feed on the registration page -------------------------------------------------


def test_the_registration_page_links_the_own_feed_but_not_a_colleagues(
    event, contact_a, colleague_a, member_a
):
    register(colleague_a, event)
    registration = registration_of(colleague_a, event)
    url = reverse("meetings:registration", args=[registration.pk])
    html = client_for(colleague_a).get(url).content.decode()
    assert "data-feed" in html
    assert reverse("meetings:feed", args=[feed_token_for(colleague_a)]) in html
    html = client_for(contact_a).get(url).content.decode()
    assert "data-feed" not in html
    assert feed_token_for(colleague_a) not in html
