"""The workshops page, the summary on the registration page and the programme on the event."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Event, Registration, SessionChoice
from meetings.sessions import services as sessions
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    ProgrammeItemFactory,
    SessionFactory,
    TimeSlotFactory,
)
from tests.helpers import client_for, levels

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def registration_for(user, event, status=Registration.Status.CONFIRMED) -> Registration:
    return Registration.objects.create(
        event=event, user=user, organisation=user.affiliation.organisation, status=status
    )


def url(registration) -> str:
    return reverse("meetings:sessions", args=[registration.pk])


@pytest.fixture
def slot():
    return TimeSlotFactory(event=EventFactory(capacity=None), title="Workshopphase I")


@pytest.fixture
def workshops(slot):
    return [
        SessionFactory(slot=slot, title="A: Ehrenamtskarte", capacity=1, description="<b>x</b>"),
        SessionFactory(slot=slot, title="B: Engagementbündnis", capacity=None),
    ]


@pytest.fixture
def registration(colleague_a, slot):
    return registration_for(colleague_a, slot.event)


# --- Who may see the page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("colleague_a", 200),
        ("contact_a", 200),
        ("head_a", 200),
        ("staff_user", 200),
        ("contact_b", 404),
        ("user_without_organisation", 404),
        ("other_colleague", 404),
        ("anonymous", 302),
    ],
)
def test_only_the_participant_their_contacts_and_staff_see_the_page(
    request, registration, workshops, organisation_a, who, status
):
    if who == "other_colleague":
        user = AffiliationFactory(organisation=organisation_a, role="colleague").user
    else:
        user = None if who == "anonymous" else request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(url(registration)).status_code == status
    response = client.post(url(registration), {"slot": workshops[0].slot_id, "session": ""})
    assert response.status_code == (302 if status == 200 else status)
    if status == 302:
        assert reverse("account_login") in response.url


# --- The page ---------------------------------------------------------------------------------


def test_the_page_lists_sessions_with_places_and_a_form_per_slot(
    registration, workshops, colleague_a, contact_a
):
    held = registration_for(contact_a, registration.event)
    sessions.choose(held, workshops[0], contact_a)
    html = client_for(colleague_a).get(url(registration)).content.decode()
    assert html.count("<h1") == 1
    assert "Workshopphase I" in html
    assert "A: Ehrenamtskarte" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "Dr. Petra Praxis" in html
    assert f'data-session="{workshops[0].pk}" data-places-left="0"' in html
    assert f'data-session="{workshops[1].pk}" data-places-left=""' in html
    form = re.search(r"<form[^>]*data-slot-form[^>]*>", html)
    assert form is not None
    assert f'hx-post="{url(registration)}"' in form.group(0)
    assert f'hx-target="#slot-{registration.event.slots.get().pk}"' in form.group(0)
    assert "<fieldset" in html
    assert "<legend" in html
    assert re.search(r'type="radio" name="session" value=""[^>]*checked', html)
    assert 'aria-live="polite"' in html


def test_choosing_without_javascript_redirects_back_with_a_message(
    registration, workshops, colleague_a
):
    client = client_for(colleague_a)
    data = {"slot": workshops[0].slot_id, "session": workshops[0].pk}
    response = client.post(url(registration), data)
    assert response.status_code == 302
    assert response.url == url(registration)
    assert levels(response) == ["success"]
    html = client.get(url(registration)).content.decode()
    assert 'data-my-choice="confirmed"' in html
    assert re.search(rf'value="{workshops[0].pk}"[^>]*checked', html)


def test_a_full_session_gives_a_waiting_place_with_an_info_message(
    registration, workshops, contact_a, colleague_a
):
    sessions.choose(registration_for(contact_a, registration.event), workshops[0], contact_a)
    response = client_for(colleague_a).post(
        url(registration), {"slot": workshops[0].slot_id, "session": workshops[0].pk}
    )
    assert levels(response) == ["info"]
    assert SessionChoice.objects.get(registration=registration).status == "waitlisted"


def test_htmx_gets_only_the_slot_with_a_status_message(registration, workshops, colleague_a):
    response = client_for(colleague_a).post(
        url(registration), {"slot": workshops[0].slot_id, "session": workshops[1].pk}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<h1" not in html
    assert "data-slot-form" in html
    assert f'id="slot-{workshops[0].slot_id}-status" data-hx-swap-oob="innerHTML"' in html
    assert 'data-status-level="success"' in html
    assert re.search(rf'value="{workshops[1].pk}"[^>]*checked', html)
    assert "HX-Request" in response["Vary"]


def test_leaving_the_slot_frees_the_place(registration, workshops, colleague_a, contact_a):
    sessions.choose(registration, workshops[0], colleague_a)
    waiting = registration_for(contact_a, registration.event)
    sessions.choose(waiting, workshops[0], contact_a)
    response = client_for(colleague_a).post(
        url(registration), {"slot": workshops[0].slot_id, "session": ""}
    )
    assert levels(response) == ["success"]
    assert not registration.session_choices.exists()
    assert waiting.session_choices.get().status == "confirmed"


def test_after_the_deadline_the_page_is_read_only_and_posts_are_refused(
    registration, workshops, colleague_a
):
    sessions.choose(registration, workshops[0], colleague_a)
    Event.objects.filter(pk=registration.event_id).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    client = client_for(colleague_a)
    html = client.get(url(registration)).content.decode()
    assert "data-refusal" in html
    assert "data-slot-form" not in html
    assert 'data-my-choice="confirmed"' in html
    data = {"slot": workshops[0].slot_id, "session": workshops[1].pk}
    assert levels(client.post(url(registration), data)) == ["error"]
    response = client.post(url(registration), data, **HTMX)
    assert response.status_code == 200
    assert 'data-status-level="error"' in response.content.decode()
    assert registration.session_choices.get().session == workshops[0]


def test_a_waitlisted_registration_is_told_it_chooses_once_it_has_a_place(
    slot, workshops, colleague_a
):
    waiting = registration_for(colleague_a, slot.event, status=Registration.Status.WAITLISTED)
    client = client_for(colleague_a)
    html = client.get(url(waiting)).content.decode()
    assert "data-refusal" in html
    assert "data-slot-form" not in html
    assert "A: Ehrenamtskarte" in html
    response = client.post(url(waiting), {"slot": slot.pk, "session": workshops[0].pk})
    assert levels(response) == ["error"]
    assert not SessionChoice.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"slot": "x", "session": ""},
        {"session": ""},
        {"slot": "{slot}", "session": "<script>"},
        {"slot": "{slot}", "session": "{elsewhere}"},
        {"slot": "{other_slot}", "session": "{elsewhere}"},
        {"slot": "{slot}", "session": "999999"},
    ],
)
def test_tampered_posts_are_not_found(registration, workshops, colleague_a, data):
    elsewhere = SessionFactory()
    values = {
        "slot": workshops[0].slot_id,
        "elsewhere": elsewhere.pk,
        "other_slot": elsewhere.slot_id,
    }
    data = {key: value.format(**values) for key, value in data.items()}
    response = client_for(colleague_a).post(url(registration), data)
    assert response.status_code == 404
    assert not SessionChoice.objects.exists()


def test_a_post_without_a_choice_asks_for_one(registration, workshops, colleague_a):
    response = client_for(colleague_a).post(url(registration), {"slot": workshops[0].slot_id})
    assert levels(response) == ["error"]


def test_an_event_without_slots_says_so(colleague_a):
    registration = registration_for(colleague_a, EventFactory())
    html = client_for(colleague_a).get(url(registration)).content.decode()
    assert "data-no-slots" in html


def test_the_page_needs_as_many_queries_for_many_sessions(
    registration, workshops, colleague_a, django_assert_max_num_queries
):
    client = client_for(colleague_a)
    sessions.choose(registration, workshops[0], colleague_a)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url(registration)).status_code == 200
    for _ in range(4):
        SessionFactory.create_batch(5, slot=TimeSlotFactory(event=registration.event))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(registration)).content.decode().count("data-slot-form") == 5


# --- The registration page and the event page ------------------------------------------------


def test_the_registration_page_sums_up_the_choices_with_a_link(
    registration, workshops, colleague_a
):
    sessions.choose(registration, workshops[1], colleague_a)
    page = client_for(colleague_a).get(reverse("meetings:registration", args=[registration.pk]))
    html = page.content.decode()
    assert "data-session-summary" in html
    assert "B: Engagementbündnis" in html
    assert f'href="{url(registration)}" data-choose-sessions' in html


def test_a_waitlisted_registration_page_says_workshops_come_later(slot, workshops, colleague_a):
    waiting = registration_for(colleague_a, slot.event, status=Registration.Status.WAITLISTED)
    html = client_for(colleague_a).get(reverse("meetings:registration", args=[waiting.pk]))
    assert b"data-sessions-later" in html.content
    assert b"data-choose-sessions" not in html.content


def test_without_slots_the_registration_page_has_no_workshops_section(colleague_a):
    registration = registration_for(colleague_a, EventFactory())
    html = client_for(colleague_a).get(reverse("meetings:registration", args=[registration.pk]))
    assert b"data-session-summary" not in html.content


def test_the_event_page_shows_the_programme_in_time_order(client, slot, workshops):
    event = slot.event
    ProgrammeItemFactory(
        event=event, title="Mittagspause", starts_at=slot.ends_at, speakers="", description=""
    )
    ProgrammeItemFactory(
        event=event,
        title="Begrüßung",
        starts_at=event.starts_at,
        ends_at=slot.starts_at,
        speakers="Staatssekretärin",
        description="Grußwort und Einführung",
    )
    html = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()
    section = html.split("data-programme", 1)[1]
    assert 'id="programme-heading"' in section
    order = [section.index(text) for text in ("Begrüßung", "Workshopphase I", "Mittagspause")]
    assert order == sorted(order)
    assert "Staatssekretärin" in section
    assert f'data-programme-session="{workshops[0].pk}" data-places-left="1"' in section


def test_an_event_without_programme_shows_none(client):
    event = EventFactory()
    html = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()
    assert "data-programme" not in html


def test_a_sessions_room_is_named_once_as_staff_entered_it(client, registration, slot, colleague_a):
    SessionFactory(slot=slot, title="C: Quartiere", room="Raum 1")
    event_page = client.get(reverse("meetings:event_detail", args=[slot.event.pk])).content
    choice_page = client_for(colleague_a).get(url(registration)).content
    for html in (event_page.decode(), choice_page.decode()):
        assert "Raum Raum" not in html
        assert "Raum: Raum" not in html
        assert "Ort: Raum 1" in html


def test_the_programme_needs_as_many_queries_for_a_long_programme(
    client, slot, workshops, django_assert_max_num_queries, settings
):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # counted as made afresh, not from the cache
    page = reverse("meetings:event_detail", args=[slot.event_id])
    with django_assert_max_num_queries(8) as few:
        client.get(page)
    for _ in range(9):
        SessionFactory.create_batch(3, slot=TimeSlotFactory(event=slot.event))
        ProgrammeItemFactory(event=slot.event)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(page).content.decode().count("data-programme-slot") == 10
