"""The network team's side of events in Django admin: e-mails to everyone registered, the
registrations, check-in, and raising the places."""

from __future__ import annotations

import pytest
from django.utils import timezone

from meetings.checkin import services as checkin
from meetings.models import Event, Registration
from portal.models import OutboundEmail
from tests.factories import EventFactory
from tests.helpers import run_action, texts
from tests.support import meeting_admin as support
from tests.support.meeting_admin import EVENTS, REGISTRATIONS, Status, event_form, guest, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/meeting_admin.py that these tests ask for by name.
event = support.event


# --- E-mail to all registrants ----------------------------------------------------------------


def test_the_message_page_shows_how_many_get_the_mail(staff_client, event):
    member(event)
    member(event)
    member(event, status=Status.WAITLISTED)
    response = staff_client.get(f"{EVENTS}{event.pk}/message/")
    html = response.content.decode()
    assert 'data-recipients="2"' in html
    assert "participants with a place (2)" in html
    assert "people on the waiting list (1)" in html


def test_staff_write_to_the_confirmed_and_the_waiting_list(staff_client, event):
    confirmed = member(event)
    waiting = member(event, status=Status.WAITLISTED)
    member(event, status=Status.CANCELLED)
    response = staff_client.post(
        f"{EVENTS}{event.pk}/message/",
        {
            "statuses": ["confirmed", "waitlisted"],
            "subject": "Anreise",
            "body": "Bitte nutzen Sie den Eingang am Markt.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{EVENTS}{event.pk}/change/"
    mails = OutboundEmail.objects.filter(kind="meetings/message")
    assert {mail.to for mail in mails} == {confirmed.user.email, waiting.user.email}
    assert {mail.subject for mail in mails} == {"Anreise"}
    assert texts(response) == ["The e-mail has been queued for 2 people."]


def test_a_message_nobody_would_get_is_refused_next_to_the_choice(staff_client, event):
    member(event)
    response = staff_client.post(
        f"{EVENTS}{event.pk}/message/",
        {"statuses": ["waitlisted"], "subject": "Anreise", "body": "Text"},
    )
    assert response.status_code == 200
    assert "nobody would get it" in " ".join(response.context["form"].errors["statuses"])
    html = response.content.decode()
    assert 'value="Anreise"' in html, "nothing typed is lost"
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"statuses": ["confirmed"], "subject": "", "body": "Text"}, "subject", "subject"),
        ({"statuses": ["confirmed"], "subject": "   ", "body": "Text"}, "subject", "subject"),
        ({"statuses": ["confirmed"], "subject": "x" * 201, "body": "Text"}, "subject", "200"),
        ({"statuses": ["confirmed"], "subject": "Hallo", "body": ""}, "body", "text"),
        ({"statuses": ["confirmed"], "subject": "Hallo", "body": "x" * 10_001}, "body", "10000"),
        ({"subject": "Hallo", "body": "Text"}, "statuses", "who"),
        ({"statuses": ["cancelled"], "subject": "Hallo", "body": "Text"}, "statuses", "valid"),
    ],
)
def test_bad_input_on_the_message_page_is_shown_next_to_the_field(
    staff_client, event, data, field, text
):
    member(event)
    response = staff_client.post(f"{EVENTS}{event.pk}/message/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert text in " ".join(errors[field])
    assert not OutboundEmail.objects.exists()


# --- Registrations ----------------------------------------------------------------------------


def test_the_registration_list_shows_members_and_guests_by_name(staff_client, event):
    member(event, name="Mia Mitglied")
    guest(event, name="Gerda Gast")
    html = staff_client.get(REGISTRATIONS).content.decode()
    assert "Mia Mitglied" in html
    assert "Gerda Gast" in html
    assert "Freiwilligenagentur Bonn" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("checked_in=yes", {"Anna Anwesend"}),
        ("checked_in=no", {"Gerda Gast", "Willi Warten"}),
        ("guest=guest", {"Gerda Gast"}),
        ("guest=member", {"Anna Anwesend", "Willi Warten"}),
        ("status__exact=waitlisted", {"Willi Warten"}),
        ("event__kind__exact=workshop", {"Willi Warten"}),
        ("q=gerda", {"Gerda Gast"}),
        ("q=freiwilligenagentur", {"Gerda Gast"}),
    ],
)
def test_the_registration_list_filters_and_searches(staff_client, event, query, expected):
    member(event, name="Anna Anwesend", attended_at=timezone.now())
    guest(event, name="Gerda Gast")
    workshop = EventFactory(kind=Event.Kind.WORKSHOP)
    member(workshop, status=Status.WAITLISTED, name="Willi Warten")
    response = staff_client.get(f"{REGISTRATIONS}?{query}")
    assert {r.name for r in response.context["cl"].result_list} == expected


def test_the_registration_list_filters_by_event_and_municipality(staff_client, event):
    first = member(event)
    member(EventFactory())
    by_event = staff_client.get(f"{REGISTRATIONS}?event__id__exact={event.pk}")
    assert list(by_event.context["cl"].result_list) == [first]
    by_town = staff_client.get(f"{REGISTRATIONS}?municipality={first.organisation_id}")
    assert list(by_town.context["cl"].result_list) == [first]


def test_the_registration_list_needs_as_many_queries_for_50_as_for_5(
    staff_client, event, django_assert_max_num_queries
):
    def load():
        return staff_client.get(REGISTRATIONS)

    for _ in range(4):
        member(event)
    guest(event)
    with django_assert_max_num_queries(12) as few:
        assert load().status_code == 200
    other = EventFactory(capacity=None)
    for _ in range(40):
        member(other)
    for n in range(5):
        guest(other, name=f"Gast {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = load()
    assert response.context["cl"].result_count == 50


def test_the_cancel_action_on_registrations_promotes_the_next(staff_client, event):
    event.capacity = 1
    event.save()
    first = member(event)
    waiting = member(event, status=Status.WAITLISTED)
    response = run_action(staff_client, REGISTRATIONS, "cancel_registrations", [first])
    assert texts(response) == ["1 registration cancelled; 1 moved up from the waiting list."]
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


# --- Check-in ---------------------------------------------------------------------------------


def checkin_url(event: Event):
    return f"{EVENTS}{event.pk}/checkin/"


def test_the_checkin_page_lists_the_confirmed_by_name_with_counts(staff_client, event):
    member(event, name="Zora Zimmermann")
    member(event, name="Ömer Özdemir", needs="rollstuhlgerecht", attended_at=timezone.now())
    guest(event, name="Anton Adler")
    member(event, status=Status.WAITLISTED, name="Willi Warten")
    response = staff_client.get(checkin_url(event))
    assert [r.name for r in response.context["registrations"]] == [
        "Anton Adler",
        "Ömer Özdemir",
        "Zora Zimmermann",
    ]
    html = response.content.decode()
    assert "1 of 3 participants checked in" in html
    assert "rollstuhlgerecht" in html
    assert "Willi Warten" not in html
    assert html.count("<h1") == 1
    assert "htmx" in html
    assert "X-CSRFToken" in html


def test_the_checkin_search_finds_names_e_mails_and_organisations(staff_client, event):
    mia = member(event, name="Mia Mitglied")
    guest(event, name="Gerda Gast", guest_organisation="Freiwilligenagentur Bonn")
    search = staff_client.get(checkin_url(event), {"q": "mitglied"})
    assert [r.name for r in search.context["registrations"]] == ["Mia Mitglied"]
    by_mail = staff_client.get(checkin_url(event), {"q": mia.user.email})
    assert [r.name for r in by_mail.context["registrations"]] == ["Mia Mitglied"]
    by_town = staff_client.get(checkin_url(event), {"q": mia.organisation.authority.name})
    assert [r.name for r in by_town.context["registrations"]] == ["Mia Mitglied"]
    by_org = staff_client.get(checkin_url(event), {"q": "agentur bonn"})
    assert [r.name for r in by_org.context["registrations"]] == ["Gerda Gast"]
    nobody = staff_client.get(checkin_url(event), {"q": "niemand"})
    assert "Nobody with a confirmed place matches" in nobody.content.decode()


def test_htmx_gets_only_the_results_of_a_search(staff_client, event):
    member(event, name="Mia Mitglied")
    member(event, name="Zora Zimmermann")
    response = staff_client.get(checkin_url(event), {"q": "mia"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="checkin-results">')
    assert "Mia Mitglied" in html
    assert "Zora Zimmermann" not in html
    assert "<h1" not in html
    assert 'id="checkin-matches" data-hx-swap-oob="innerHTML"' in html
    assert "1 person found" in html
    assert "HX-Request" in response["Vary"]


def test_marking_present_and_taking_it_back_without_javascript_keeps_the_search(
    staff_client, event
):
    registration = member(event, name="Mia Mitglied")
    url = f"{checkin_url(event)}{registration.pk}/"
    response = staff_client.post(url, {"present": "1", "q": "mia"})
    assert response.status_code == 302
    assert texts(response) == ["Mia Mitglied is checked in."]
    assert response.url == f"{checkin_url(event)}?q=mia#registration-{registration.pk}"
    registration.refresh_from_db()
    first_time = registration.attended_at
    assert first_time is not None
    staff_client.post(url, {"present": "1"})
    registration.refresh_from_db()
    assert registration.attended_at == first_time, "marking twice keeps the first time"
    staff_client.post(url, {"present": "0"})
    registration.refresh_from_db()
    assert registration.attended_at is None


def test_htmx_gets_the_row_and_the_new_count(staff_client, event):
    registration = member(event, name="Mia Mitglied")
    member(event)
    response = staff_client.post(
        f"{checkin_url(event)}{registration.pk}/", {"present": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<li class="checkin-row is-present" id="registration-{registration.pk}"'
    )
    assert 'name="present" value="0"' in html, "the button now takes it back"
    assert 'id="checkin-count" data-hx-swap-oob="innerHTML"' in html
    assert "1 of 2 participants checked in" in html


def test_only_confirmed_registrations_of_this_event_can_be_checked_in(staff_client, event):
    other = member(EventFactory())
    waiting = member(event, status=Status.WAITLISTED)
    for registration in (other, waiting):
        response = staff_client.post(f"{checkin_url(event)}{registration.pk}/", {"present": "1"})
        assert response.status_code == 404
        registration.refresh_from_db()
        assert registration.attended_at is None
    assert staff_client.get(f"{checkin_url(event)}{waiting.pk}/").status_code == 405


def test_the_service_refuses_a_registration_without_a_place(event):
    waiting = member(event, status=Status.WAITLISTED)
    with pytest.raises(checkin.CheckinError):
        checkin.set_present(waiting, True)
    waiting.refresh_from_db()
    assert waiting.attended_at is None


def test_the_checkin_page_needs_as_many_queries_for_50_people_as_for_5(
    staff_client, django_assert_max_num_queries
):
    event = EventFactory(capacity=None)
    for _ in range(5):
        member(event)
    with django_assert_max_num_queries(12) as few:
        assert staff_client.get(checkin_url(event)).status_code == 200
    for _ in range(40):
        member(event)
    for n in range(5):
        guest(event, name=f"Gast {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(checkin_url(event))
    assert len(response.context["registrations"]) == 50


# --- Raising the places -------------------------------------------------------------------------


def test_raising_the_capacity_moves_the_waiting_list_up_in_order(staff_client, event):
    for _ in range(5):
        member(event)
    first, second, third = (member(event, Status.WAITLISTED) for _ in range(3))

    page = staff_client.post(
        f"{EVENTS}{event.pk}/change/", event_form(event, capacity=7), follow=True
    )

    assert "2 people moved up from the waiting list" in page.content.decode()
    statuses = [Registration.objects.get(pk=r.pk).status for r in (first, second, third)]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED]
    promoted = OutboundEmail.objects.filter(kind="meetings/registration_promoted")
    assert {mail.to for mail in promoted} == {first.email, second.email}


def test_saving_without_more_places_moves_nobody(staff_client, event):
    for _ in range(5):
        member(event)
    waiting = member(event, Status.WAITLISTED)

    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, venue="Rathaus"))

    assert Registration.objects.get(pk=waiting.pk).status == Status.WAITLISTED
    assert not OutboundEmail.objects.filter(kind="meetings/registration_promoted").exists()
