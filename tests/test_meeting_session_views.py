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
    response = client.post(url(registration), {f"slot-{workshops[0].slot_id}": ""})
    assert response.status_code == (302 if status == 200 else status)
    if status == 302:
        assert reverse("account_login") in response.url


# --- The page ---------------------------------------------------------------------------------


def test_the_page_lists_sessions_with_places_in_one_form_for_all_slots(
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
    form = re.search(r"<form[^>]*data-sessions-form[^>]*>", html)
    assert form is not None
    assert f'hx-post="{url(registration)}"' in form.group(0)
    assert 'hx-target="#workshop-choices"' in form.group(0)
    assert "<fieldset" in html
    assert "<legend" in html
    slot = registration.event.slots.get()
    assert re.search(rf'type="radio" name="slot-{slot.pk}" value=""[^>]*checked', html)
    assert 'aria-live="polite"' in html


def test_choosing_without_javascript_redirects_back_with_a_message(
    registration, workshops, colleague_a
):
    client = client_for(colleague_a)
    data = {f"slot-{workshops[0].slot_id}": workshops[0].pk}
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
        url(registration), {f"slot-{workshops[0].slot_id}": workshops[0].pk}
    )
    assert levels(response) == ["info"]
    assert SessionChoice.objects.get(registration=registration).status == "waitlisted"


def test_htmx_gets_only_the_form_with_a_status_message(registration, workshops, colleague_a):
    response = client_for(colleague_a).post(
        url(registration), {f"slot-{workshops[0].slot_id}": workshops[1].pk}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<h1" not in html
    assert "data-sessions-form" in html
    assert 'id="sessions-status" data-hx-swap-oob="innerHTML"' in html
    assert 'data-status-level="success"' in html
    assert re.search(rf'value="{workshops[1].pk}"[^>]*checked', html)
    assert "HX-Request" in response["Vary"]


def test_leaving_the_slot_frees_the_place(registration, workshops, colleague_a, contact_a):
    sessions.choose(registration, workshops[0], colleague_a)
    waiting = registration_for(contact_a, registration.event)
    sessions.choose(waiting, workshops[0], contact_a)
    response = client_for(colleague_a).post(url(registration), {f"slot-{workshops[0].slot_id}": ""})
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
    assert "data-sessions-form" not in html
    assert 'data-my-choice="confirmed"' in html
    data = {f"slot-{workshops[0].slot_id}": workshops[1].pk}
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
    assert "data-sessions-form" not in html
    assert "A: Ehrenamtskarte" in html
    response = client.post(url(waiting), {f"slot-{slot.pk}": workshops[0].pk})
    assert levels(response) == ["error"]
    assert not SessionChoice.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"slot-{slot}": "<script>"},
        {"slot-{slot}": "{elsewhere}"},
        {"slot-{slot}": "{second_slots}"},
        {"slot-{slot}": "999999"},
        {"slot-{slot}": "", "slot-{second_slot}": "x"},
    ],
)
def test_tampered_posts_are_not_found(registration, workshops, colleague_a, data):
    elsewhere = SessionFactory()
    second = SessionFactory(slot=TimeSlotFactory(event=registration.event))
    values = {
        "slot": workshops[0].slot_id,
        "elsewhere": elsewhere.pk,
        "second_slot": second.slot_id,
        "second_slots": second.pk,
    }
    data = {key.format(**values): value.format(**values) for key, value in data.items()}
    response = client_for(colleague_a).post(url(registration), data)
    assert response.status_code == 404
    assert not SessionChoice.objects.exists()


def test_a_post_without_a_choice_asks_for_one(registration, workshops, colleague_a):
    elsewhere = SessionFactory()
    for data in ({}, {f"slot-{elsewhere.slot_id}": elsewhere.pk}):
        response = client_for(colleague_a).post(url(registration), data)
        assert levels(response) == ["error"]
    assert not SessionChoice.objects.exists()


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
        assert client.get(url(registration)).content.decode().count("data-slot-choices=") == 5


# --- Two rounds, one form (issue 15: the choice of round II was dropped) ----------------------


@pytest.fixture
def round_two(slot):
    later = TimeSlotFactory(
        event=slot.event,
        title="Workshopphase II",
        starts_at=slot.ends_at,
        ends_at=slot.ends_at + datetime.timedelta(hours=1),
    )
    return [
        SessionFactory(slot=later, title="C: Förderprogramme", capacity=5),
        SessionFactory(slot=later, title="D: Digitales Ehrenamt", capacity=None),
    ]


def test_the_page_has_one_form_and_one_button_for_both_rounds(
    registration, workshops, round_two, colleague_a
):
    html = client_for(colleague_a).get(url(registration)).content.decode()
    assert html.count("data-sessions-form") == 1
    assert html.count('id="sessions-submit"') == 1
    form = html.split("data-sessions-form", 1)[1].split("</form>", 1)[0]
    assert f'name="slot-{workshops[0].slot_id}"' in form
    assert f'name="slot-{round_two[0].slot_id}"' in form


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_choosing_in_both_rounds_saves_both(
    registration, workshops, round_two, colleague_a, headers
):
    data = {
        f"slot-{workshops[0].slot_id}": workshops[1].pk,
        f"slot-{round_two[0].slot_id}": round_two[0].pk,
    }
    response = client_for(colleague_a).post(url(registration), data, **headers)
    chosen = {c.slot_id: c.session_id for c in registration.session_choices.all()}
    assert chosen == {workshops[0].slot_id: workshops[1].pk, round_two[0].slot_id: round_two[0].pk}
    if headers:
        html = response.content.decode()
        assert html.count('data-status-level="success"') == 2
        assert re.search(rf'value="{workshops[1].pk}"[^>]*checked', html)
        assert re.search(rf'value="{round_two[0].pk}"[^>]*checked', html)
    else:
        assert levels(response) == ["success", "success"]


def test_saving_again_changes_only_the_round_that_changed(
    registration, workshops, round_two, colleague_a, contact_a
):
    sessions.choose(registration, workshops[0], colleague_a)
    sessions.choose(registration, round_two[0], colleague_a)
    first = registration.session_choices.get(slot=workshops[0].slot_id)
    data = {
        f"slot-{workshops[0].slot_id}": workshops[0].pk,
        f"slot-{round_two[0].slot_id}": "",
    }
    response = client_for(colleague_a).post(url(registration), data)
    assert levels(response) == ["success"]
    # Round I keeps its place (not given up and taken again), round II is left.
    assert list(registration.session_choices.all()) == [first]
    response = client_for(colleague_a).post(url(registration), data)
    assert levels(response) == ["info"]


def test_a_round_missing_from_the_post_keeps_its_choice(
    registration, workshops, round_two, colleague_a
):
    sessions.choose(registration, round_two[1], colleague_a)
    client_for(colleague_a).post(url(registration), {f"slot-{workshops[0].slot_id}": ""})
    assert registration.session_choices.get().session == round_two[1]


def test_a_guest_chooses_in_both_rounds_with_one_button(slot, workshops, round_two):
    event = slot.event
    event.audience = Event.Audience.OPEN
    event.save()
    guest = Registration.objects.create(
        event=event,
        guest_name="Gerda Gast",
        guest_email="gerda@verein.example",
        status=Registration.Status.CONFIRMED,
        guest_token="t" * 32,
    )
    address = reverse("meetings:guest_sessions", args=[guest.guest_token])
    html = client_for(None).get(address).content.decode()
    assert html.count("data-sessions-form") == 1
    data = {
        f"slot-{workshops[0].slot_id}": workshops[0].pk,
        f"slot-{round_two[0].slot_id}": round_two[1].pk,
    }
    response = client_for(None).post(address, data)
    assert response.status_code == 302
    chosen = {c.slot_id: c.session_id for c in guest.session_choices.all()}
    assert chosen == {workshops[0].slot_id: workshops[0].pk, round_two[0].slot_id: round_two[1].pk}


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
