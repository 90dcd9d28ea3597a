"""The network team's side of events in Django admin: events, slots, registrations, check-in,
cancelling and e-mails to everyone registered."""

from __future__ import annotations

import datetime
import secrets

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings.checkin import services as checkin
from meetings.models import Event, Registration, Session, SessionChoice, TimeSlot
from portal.models import OutboundEmail
from tests.factories import AffiliationFactory, EventFactory, UserFactory
from tests.helpers import run_action, texts

pytestmark = pytest.mark.django_db
Status = Registration.Status

EVENTS = "/admin/meetings/event/"
REGISTRATIONS = "/admin/meetings/registration/"
SLOTS = "/admin/meetings/timeslot/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def event():
    return EventFactory(title="Netzwerktreffen in Köln", capacity=5)


def member(event, status=Status.CONFIRMED, name=None, **fields):
    affiliation = AffiliationFactory(**({"user__full_name": name} if name else {}))
    return Registration.objects.create(
        event=event,
        user=affiliation.user,
        organisation=affiliation.organisation,
        registered_by=affiliation.user,
        status=status,
        **fields,
    )


def guest(event, status=Status.CONFIRMED, name="Gerda Gast", **fields):
    return Registration.objects.create(
        event=event,
        guest_name=name,
        guest_email=f"gast-{secrets.token_hex(4)}@verein.example",
        guest_organisation=fields.pop("guest_organisation", "Freiwilligenagentur Bonn"),
        guest_token=secrets.token_urlsafe(32),
        status=status,
        **fields,
    )


def staff_with(*codenames):
    """A staff member with only the given permissions of the meetings app."""
    user = UserFactory(is_staff=True, language="en")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames)
    )
    return user


def event_form(event: Event, **changes):
    """The POST data of the event's change page with its inlines empty, changes applied."""

    def when(value):
        local = timezone.localtime(value)
        return {"0": local.date().isoformat(), "1": local.time().strftime("%H:%M")}

    data = {
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "status": event.status,
        "format": event.format,
        "venue": event.venue,
        "address": event.address,
        "meeting_link": event.meeting_link,
        "audience": event.audience,
        "capacity": event.capacity or "",
        "limit_per_organisation": event.limit_per_organisation or "",
        "waitlist_enabled": "on" if event.waitlist_enabled else "",
        "remind_hours_before": event.remind_hours_before,
        "followup_note": event.followup_note,
    }
    for field in ("starts_at", "ends_at"):
        for part, value in when(getattr(event, field)).items():
            data[f"{field}_{part}"] = value
    for field in ("registration_opens_at", "registration_closes_at", "cancellation_deadline"):
        data[f"{field}_0"] = data[f"{field}_1"] = ""
    for prefix, count in (
        ("programme_items", 0),
        ("questions", 0),
        ("slots", 0),
        ("documents", 0),
        ("registrations", event.registrations.count()),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for n, registration in enumerate(event.registrations.order_by("created_at", "id")):
        data[f"registrations-{n}-id"] = registration.pk
        data[f"registrations-{n}-event"] = event.pk
    data.update(changes)
    return data


# --- Who may use the event's pages ------------------------------------------------------------


def tool_urls(event: Event, registration: Registration):
    base = f"{EVENTS}{event.pk}/"
    return [
        f"{base}change/",
        f"{base}checkin/",
        f"{base}participants.csv",
        f"{base}participants.xlsx",
        f"{base}message/",
        f"{SLOTS}",
        f"{REGISTRATIONS}",
        f"{REGISTRATIONS}{registration.pk}/change/",
    ]


@pytest.mark.parametrize("who", ["anonymous", "member of a municipality"])
def test_people_who_are_not_staff_are_sent_to_the_login(client, event, who):
    registration = member(event)
    if who != "anonymous":
        client.force_login(registration.user)
    for url in tool_urls(event, registration):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/admin/login/"), url
    mark = client.post(f"{EVENTS}{event.pk}/checkin/{registration.pk}/", {"present": "1"})
    assert mark.status_code == 302
    registration.refresh_from_db()
    assert registration.attended_at is None


def test_staff_open_every_page_of_an_event(staff_client, event):
    registration = member(event)
    for url in tool_urls(event, registration):
        assert staff_client.get(url).status_code == 200, url


def test_the_event_page_links_its_tools(staff_client, event):
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    for tail in (
        "checkin/",
        "participants.csv",
        "participants.xlsx",
        "participants.pdf",
        "participant-list.pdf",
        "badges.pdf",
        "message/",
    ):
        assert f'href="{EVENTS}{event.pk}/{tail}"' in page, tail


def test_staff_who_may_only_see_events_get_no_registration_tools(client, settings, event):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_with("view_event"))
    page = client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert "checkin/" not in page
    assert "participants.csv" not in page
    for tail in ("checkin/", "participants.csv", "badges.pdf", "message/"):
        assert client.get(f"{EVENTS}{event.pk}/{tail}").status_code == 403, tail


def test_staff_who_may_see_registrations_export_but_neither_mark_nor_write(client, settings, event):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    registration = member(event)
    client.force_login(staff_with("view_event", "view_registration"))
    assert client.get(f"{EVENTS}{event.pk}/participants.csv").status_code == 200
    page = client.get(f"{EVENTS}{event.pk}/checkin/")
    assert page.status_code == 200
    assert "checkin-toggle-" not in page.content.decode()
    mark = client.post(f"{EVENTS}{event.pk}/checkin/{registration.pk}/", {"present": "1"})
    assert mark.status_code == 403
    assert client.get(f"{EVENTS}{event.pk}/message/").status_code == 403


# --- The event list and page ------------------------------------------------------------------


def test_the_event_list_shows_the_fill_rate(staff_client, event):
    for _ in range(3):
        member(event)
    member(event, status=Status.WAITLISTED)
    member(event, status=Status.CANCELLED)
    response = staff_client.get(EVENTS)
    assert "3/5 (+1)" in response.content.decode()


def test_the_event_list_needs_as_many_queries_for_30_events_as_for_3(
    staff_client, django_assert_max_num_queries
):
    EventFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        assert staff_client.get(EVENTS).status_code == 200
    EventFactory.create_batch(27)
    with django_assert_max_num_queries(8):
        response = staff_client.get(EVENTS)
    assert response.context["cl"].result_count == 30


def test_the_event_page_lists_registrations_of_members_and_guests(staff_client, event):
    member(event, name="Mia Mitglied")
    guest(event, name="Gerda Gast")
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert "Mia Mitglied" in page
    assert "Gerda Gast" in page
    assert "Freiwilligenagentur Bonn" in page


def test_staff_add_programme_items_and_slots_on_the_event_page(staff_client, event):
    start = timezone.localtime(event.starts_at)
    data = event_form(
        event,
        **{
            "programme_items-TOTAL_FORMS": "1",
            "programme_items-0-starts_at_0": start.date().isoformat(),
            "programme_items-0-starts_at_1": "10:00",
            "programme_items-0-title": "Begrüßung",
            "slots-TOTAL_FORMS": "1",
            "slots-0-title": "Workshops I",
            "slots-0-starts_at_0": start.date().isoformat(),
            "slots-0-starts_at_1": "11:00",
            "slots-0-ends_at_0": start.date().isoformat(),
            "slots-0-ends_at_1": "12:30",
        },
    )
    response = staff_client.post(f"{EVENTS}{event.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert event.programme_items.get().title == "Begrüßung"
    slot = event.slots.get()
    assert slot.title == "Workshops I"
    page = staff_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f"{SLOTS}{slot.pk}/change/" in page, "the slot links to its sessions"


def test_the_slot_page_shows_its_sessions_with_places_taken(staff_client, event):
    slot = TimeSlot.objects.create(
        event=event,
        title="Workshops I",
        starts_at=event.starts_at,
        ends_at=event.starts_at + datetime.timedelta(hours=1),
    )
    session = Session.objects.create(slot=slot, title="Ehrenamtskarte", room="A 1", capacity=2)
    for status in ("confirmed", "confirmed", "waitlisted"):
        SessionChoice.objects.create(
            registration=member(event), slot=slot, session=session, status=status
        )
    page = staff_client.get(f"{SLOTS}{slot.pk}/change/").content.decode()
    assert "Ehrenamtskarte" in page
    assert "2/2 (+1)" in page


# --- Cancelling an event ----------------------------------------------------------------------


def test_changing_the_status_to_cancelled_tells_everyone_registered(staff_client, event):
    confirmed = member(event)
    waiting = member(event, status=Status.WAITLISTED)
    member(event, status=Status.CANCELLED)
    response = staff_client.post(
        f"{EVENTS}{event.pk}/change/", event_form(event, status="cancelled"), follow=True
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancelled_at is not None
    mails = OutboundEmail.objects.filter(kind="meetings/event_cancelled")
    assert {mail.to for mail in mails} == {confirmed.user.email, waiting.user.email}
    assert any("2 registrants are being told" in text for text in texts(response))


def test_a_new_time_or_place_in_admin_raises_the_calendar_files_sequence(staff_client):
    starts = timezone.make_aware(datetime.datetime(timezone.now().year + 1, 3, 10, 10, 0))
    event = EventFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=6))
    url = reverse("meetings:event_ics", args=[event.pk])
    first = Calendar.from_ical(staff_client.get(url).content).walk("VEVENT")[0]

    changes = {"starts_at_1": "11:00", "ends_at_1": "17:00"}
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, **changes))
    event.refresh_from_db()
    later = starts + datetime.timedelta(hours=1)
    assert event.starts_at == later
    assert event.sequence == 1
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, capacity=50))
    event.refresh_from_db()
    assert event.sequence == 1, "the number of places is in no calendar"
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, venue="Rathaus"))
    event.refresh_from_db()
    assert event.sequence == 2
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, status="cancelled"))
    event.refresh_from_db()
    assert event.sequence == 3, "cancelling counts once"

    # Logged in, so never the anonymous visitors' copy of the file.
    [vevent] = Calendar.from_ical(staff_client.get(url).content).walk("VEVENT")
    assert int(str(vevent["SEQUENCE"])) == 3 > int(str(first["SEQUENCE"]))
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent.decoded("DTSTART") == later


def test_saving_a_cancelled_event_again_tells_nobody_again(staff_client, event):
    member(event)
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, status="cancelled"))
    event.refresh_from_db()
    staff_client.post(f"{EVENTS}{event.pk}/change/", event_form(event, venue="Rathaus"))
    assert OutboundEmail.objects.filter(kind="meetings/event_cancelled").count() == 1


def test_the_cancel_action_asks_for_a_message_first(staff_client, event):
    member(event)
    page = run_action(staff_client, EVENTS, "cancel_events", [event])
    assert page.templates[0].name == "admin/meetings/event/cancel_events.html"
    assert "1 registrant will be told" in page.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert not OutboundEmail.objects.exists()


def test_the_cancel_action_cancels_and_passes_the_message_on(staff_client, event):
    registration = member(event)
    other = EventFactory()
    done = EventFactory(status=Event.Status.CANCELLED)
    member(done)
    response = run_action(
        staff_client,
        EVENTS,
        "cancel_events",
        [event, other, done],
        apply="1",
        message="Wir holen das Treffen im Herbst nach.",
    )
    assert response.status_code == 200
    for each in (event, other):
        each.refresh_from_db()
        assert each.status == Event.Status.CANCELLED
    mail = OutboundEmail.objects.get(kind="meetings/event_cancelled")
    assert mail.to == registration.user.email
    assert "Wir holen das Treffen im Herbst nach." in mail.body_text
    assert texts(response) == [
        "2 events have been cancelled. 1 registrant is being told by e-mail."
    ]


def test_the_cancel_message_may_not_be_endless(staff_client, event):
    response = run_action(
        staff_client, EVENTS, "cancel_events", [event], apply="1", message="x" * 5001
    )
    assert "at most 5000 characters" in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


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
