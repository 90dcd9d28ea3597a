"""The event pages: the list and the detail page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Event, Registration
from members.models import Affiliation
from tests.factories import AffiliationFactory, EventFactory
from tests.helpers import client_for, levels
from tests.support import meeting_views as support
from tests.support.meeting_views import LINK, Status, register, registration_of

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/meeting_views.py that these tests ask for by name.
event = support.event


def event_ids(html: str, marker: str) -> list[int]:
    section = html.split(marker, 1)[1].split("</ul>", 1)[0]
    return [int(pk) for pk in re.findall(r'data-event="(\d+)"', section)]


@pytest.fixture
def online_event():
    return EventFactory(format=Event.Format.ONLINE, venue="", meeting_link=LINK)


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
