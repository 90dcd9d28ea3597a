"""The event pages: list, detail, registering, a registration and cancelling it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.events.calendar import feed_token_for
from meetings.models import Event, Registration
from members.models import Affiliation
from tests.factories import AffiliationFactory, EventFactory
from tests.helpers import client_for, levels

pytestmark = pytest.mark.django_db
Status = Registration.Status
LINK = "https://meet.example.org/geheim-123"


def event_ids(html: str, marker: str) -> list[int]:
    section = html.split(marker, 1)[1].split("</ul>", 1)[0]
    return [int(pk) for pk in re.findall(r'data-event="(\d+)"', section)]


@pytest.fixture
def event():
    return EventFactory(description="Erste Zeile\n\n<b>fett</b>")


@pytest.fixture
def online_event():
    return EventFactory(format=Event.Format.ONLINE, venue="", meeting_link=LINK)


def register(user, event, **data):
    return client_for(user).post(reverse("meetings:register", args=[event.pk]), data)


def registration_of(user, event) -> Registration:
    return Registration.objects.get(user=user, event=event)


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_coming_published_events_with_places_left(
    client, event, contact_a, member_a
):
    Registration.objects.create(event=event, user=contact_a, status=Status.CONFIRMED)
    draft = EventFactory(status=Event.Status.DRAFT)
    heads = EventFactory(audience=Event.Audience.HEADS)
    past = EventFactory(starts_at=timezone.now() - datetime.timedelta(days=3))
    response = client.get(reverse("meetings:event_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert event_ids(html, "data-upcoming-events") == [event.pk, heads.pk]
    assert event_ids(html, "data-past-events") == [past.pk]
    assert f'data-event="{draft.pk}"' not in html
    assert 'data-places-left="9"' in html
    assert 'data-audience="heads"' in html
    assert reverse("meetings:event_detail", args=[event.pk]) in html


def test_the_list_filters_by_kind_format_and_audience(client):
    workshop = EventFactory(kind=Event.Kind.WORKSHOP, format=Event.Format.ONLINE)
    EventFactory(kind=Event.Kind.WORKSHOP)
    EventFactory(audience=Event.Audience.OPEN)
    response = client.get(reverse("meetings:event_list"), {"kind": "workshop", "format": "online"})
    assert event_ids(response.content.decode(), "data-upcoming-events") == [workshop.pk]
    response = client.get(reverse("meetings:event_list"), {"audience": "open"})
    assert len(event_ids(response.content.decode(), "data-upcoming-events")) == 1


def test_invalid_filter_values_are_ignored_with_a_message(client, event):
    response = client.get(reverse("meetings:event_list"), {"kind": "party", "format": "<x>"})
    assert response.status_code == 200
    assert event_ids(response.content.decode(), "data-upcoming-events") == [event.pk]
    assert levels(response) == ["warning"]


def test_the_list_needs_the_same_number_of_queries_for_3_and_30_events(client, contact_a, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0  # counted as made afresh, not from the cache

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("meetings:event_list")).status_code == 200
        return len(context.captured_queries)

    events = EventFactory.create_batch(3)
    Registration.objects.create(event=events[0], user=contact_a, status=Status.CONFIRMED)
    few = count()
    EventFactory.create_batch(27)
    assert count() == few
    assert few <= 3


# --- The detail page --------------------------------------------------------------------------


def test_the_detail_page_shows_the_description_escaped_and_asks_anonymous_to_log_in(client, event):
    response = client.get(reverse("meetings:event_detail", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>Erste Zeile</p>" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html
    assert 'data-registration-state="anonymous"' in html
    assert "register-form" not in html
    assert 'data-places-left="10"' in html


def test_drafts_are_not_found_and_cancelled_events_say_so(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    cancelled = EventFactory(status=Event.Status.CANCELLED)
    assert client.get(reverse("meetings:event_detail", args=[draft.pk])).status_code == 404
    response = client.get(reverse("meetings:event_detail", args=[cancelled.pk]))
    assert response.status_code == 200
    assert "data-cancelled-notice" in response.content.decode()
    assert "register-form" not in response.content.decode()


def test_the_meeting_link_is_never_on_public_pages(online_event, contact_a, member_a):
    register(contact_a, online_event)
    assert registration_of(contact_a, online_event).status == Status.CONFIRMED
    for user in (None, contact_a):
        for url in (
            reverse("meetings:event_list"),
            reverse("meetings:event_detail", args=[online_event.pk]),
        ):
            assert LINK not in client_for(user).get(url).content.decode()


def test_a_member_sees_the_form_and_a_non_member_the_reason(
    event, colleague_a, member_a, contact_b
):
    url = reverse("meetings:event_detail", args=[event.pk])
    html = client_for(colleague_a).get(url).content.decode()
    assert 'id="register-form"' in html
    assert 'name="participant"' not in html  # colleagues register only themselves
    html = client_for(contact_b).get(url).content.decode()
    assert 'data-registration-state="refused"' in html
    assert "data-refusal" in html
    assert 'id="register-form"' not in html


def test_a_contact_can_choose_a_colleague_of_their_municipality(
    event, contact_a, colleague_a, member_a, contact_b
):
    html = client_for(contact_a).get(reverse("meetings:event_detail", args=[event.pk])).content
    assert f'<option value="{colleague_a.pk}"'.encode() in html
    assert f'<option value="{contact_b.pk}"'.encode() not in html


def test_the_summit_offers_a_head_none_of_the_colleagues_it_would_refuse(
    contact_a, colleague_a, head_a, member_a
):
    summit = EventFactory(kind=Event.Kind.SUMMIT, audience=Event.Audience.HEADS)
    html = client_for(head_a).get(reverse("meetings:event_detail", args=[summit.pk])).content
    assert b'id="register-form"' in html
    assert b'name="participant"' not in html
    assert b"Ansprechperson" not in html
    # Another head of the same municipality may come, so she is offered, with a head's hint.
    deputy = AffiliationFactory(organisation=member_a, role=Affiliation.Role.HEAD).user
    html = client_for(head_a).get(reverse("meetings:event_detail", args=[summit.pk])).content
    options = re.findall(rb'<option value="(\d+)"', html)
    assert options == [str(deputy.pk).encode()]
    assert b"Als Verwaltungsspitze" in html
    assert b"Ansprechperson" not in html
    assert register(head_a, summit, participant=colleague_a.pk).status_code == 404
    register(head_a, summit, participant=deputy.pk)
    assert registration_of(deputy, summit).registered_by == head_a


def test_a_contacts_picker_lists_only_colleagues_the_event_admits(
    contact_a, colleague_a, organisation_a
):
    # organisation_a is no member: its people may come to open events only.
    members_only = EventFactory(audience=Event.Audience.MEMBERS_STAFF)
    open_event = EventFactory(audience=Event.Audience.OPEN)
    html = client_for(contact_a).get(reverse("meetings:event_detail", args=[open_event.pk]))
    assert f'<option value="{colleague_a.pk}"'.encode() in html.content
    assert b"Als Ansprechperson" in html.content
    html = client_for(contact_a).get(reverse("meetings:event_detail", args=[members_only.pk]))
    assert b'name="participant"' not in html.content


def test_the_event_facts_are_a_kern_description_list_like_the_profiles(
    client, event, colleague_a, member_a
):
    html = client.get(reverse("meetings:event_detail", args=[event.pk])).content.decode()
    facts = html.split("<dl", 1)[1].split("</dl>", 1)[0]
    assert facts.startswith(' class="kern-description-list" data-facts>')
    assert facts.count("<dt ") == facts.count('class="kern-description-list-item__key"') == 5
    assert facts.count("<dd ") == facts.count('class="kern-description-list-item__value"') == 5
    register(colleague_a, event)
    page = client_for(colleague_a).get(
        reverse("meetings:registration", args=[registration_of(colleague_a, event).pk])
    )
    assert '<dl class="kern-description-list" data-facts>' in page.content.decode()
    assert "<dt>" not in page.content.decode()


def test_a_registered_person_sees_their_status_with_a_link(event, colleague_a, member_a):
    register(colleague_a, event)
    registration = registration_of(colleague_a, event)
    html = client_for(colleague_a).get(reverse("meetings:event_detail", args=[event.pk])).content
    assert b'data-registration-state="confirmed"' in html
    assert reverse("meetings:registration", args=[registration.pk]).encode() in html
    assert b'id="register-form"' not in html


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
    assert "data-registration-error" in html
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
