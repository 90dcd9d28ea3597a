from __future__ import annotations

import datetime
import re
from typing import cast
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings.events import services
from meetings.events.calendar import MIMETYPE, feed_token_for, ics_filename
from meetings.models import Event, Registration
from portal.models import OutboundEmailAttachment
from tests.factories import EventFactory

LINK = "https://konferenz.example/raum/geheim-123"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar.walk("VTIMEZONE"), "the file carries its time zone"
    return calendar.walk("VEVENT")


def _online_event(**kwargs) -> Event:
    return cast(
        Event,
        EventFactory(
            format=Event.Format.HYBRID,
            venue="Rathaus Musterstadt",
            address="Marktplatz 1\n12345 Musterstadt",
            meeting_link=LINK,
            **kwargs,
        ),
    )


def _registration(event, user, organisation, status=Registration.Status.CONFIRMED):
    return Registration.objects.create(
        event=event, user=user, organisation=organisation, registered_by=user, status=status
    )


def test_the_public_file_of_an_event_has_its_time_place_and_no_meeting_link(client):
    event = _online_event(title="Netzwerktreffen Ehrenamt", description="Wir tauschen uns aus.")

    response = client.get(reverse("meetings:event_ics", args=[event.pk]))

    [vevent] = _events(response)
    assert response["Content-Disposition"] == f'attachment; filename="{ics_filename(event)}"'
    assert ics_filename(event).startswith("netzwerktreffen-ehrenamt-2")
    host = urlsplit(settings.PORTAL_BASE_URL).hostname
    assert str(vevent["UID"]) == f"event-{event.pk}@{host}"
    assert str(vevent["SUMMARY"]) == "Netzwerktreffen Ehrenamt"
    start = vevent.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Berlin"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert start == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("DTEND") == event.ends_at.replace(microsecond=0)
    assert str(vevent["LOCATION"]) == "Rathaus Musterstadt, Marktplatz 1 12345 Musterstadt"
    assert "Wir tauschen uns aus." in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]).endswith(reverse("meetings:event_detail", args=[event.pk]))
    assert "DTSTAMP" in vevent
    assert LINK.encode() not in response.content
    assert b"geheim" not in response.content


def test_drafts_have_no_public_file_and_a_cancelled_event_says_so(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    assert client.get(reverse("meetings:event_ics", args=[draft.pk])).status_code == 404
    cancelled = EventFactory(status=Event.Status.CANCELLED)
    [vevent] = _events(client.get(reverse("meetings:event_ics", args=[cancelled.pk])))
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_confirmed_online_registration_has_the_meeting_link(client, contact_a, organisation_a):
    event = _online_event()
    registration = _registration(event, contact_a, organisation_a)
    client.force_login(contact_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    [vevent] = _events(response)
    assert LINK in str(vevent["DESCRIPTION"])
    assert LINK in str(vevent["LOCATION"])
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent.decoded("DTSTART").tzinfo) == "Europe/Berlin"


def test_a_waitlisted_registration_has_no_meeting_link(client, contact_a, organisation_a):
    event = _online_event()
    registration = _registration(
        event, contact_a, organisation_a, status=Registration.Status.WAITLISTED
    )
    client.force_login(contact_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    [_vevent] = _events(response)
    assert LINK.encode() not in response.content


def test_a_cancelled_registration_gives_a_cancelled_event(client, contact_a, organisation_a):
    registration = _registration(
        _online_event(), contact_a, organisation_a, status=Registration.Status.CANCELLED
    )
    client.force_login(contact_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    [vevent] = _events(response)
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert LINK.encode() not in response.content


def test_contacts_of_the_municipality_and_staff_may_fetch_a_registration_file(
    client, contact_a, colleague_a, organisation_a, staff_user
):
    registration = _registration(_online_event(), colleague_a, organisation_a)
    url = reverse("meetings:registration_ics", args=[registration.pk])
    for user in (contact_a, staff_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_people_of_another_municipality_get_not_found(client, contact_a, organisation_a, contact_b):
    registration = _registration(_online_event(), contact_a, organisation_a)
    client.force_login(contact_b)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, contact_a, organisation_a):
    registration = _registration(_online_event(), contact_a, organisation_a)

    response = client.get(reverse("meetings:registration_ics", args=[registration.pk]))

    assert response.status_code == 302
    assert (
        reverse(settings.LOGIN_URL) in response["Location"]
        or settings.LOGIN_URL in (response["Location"])
    )


def test_the_feed_lists_active_registrations_with_links_only_for_confirmed_places(
    client, contact_a, organisation_a
):
    confirmed = _online_event(title="Digitaler Kurzimpuls")
    waiting = EventFactory(
        title="Workshop Ehrenamtskarte",
        format=Event.Format.ONLINE,
        meeting_link="https://konferenz.example/raum/warteliste-456",
        starts_at=confirmed.starts_at + datetime.timedelta(days=7),
        ends_at=confirmed.starts_at + datetime.timedelta(days=7, hours=2),
    )
    gone = _online_event(title="Storniert")
    contact_a.language = "en"
    contact_a.save(update_fields=["language"])
    _registration(confirmed, contact_a, organisation_a)
    _registration(waiting, contact_a, organisation_a, status=Registration.Status.WAITLISTED)
    _registration(gone, contact_a, organisation_a, status=Registration.Status.CANCELLED)

    response = client.get(reverse("meetings:feed", args=[feed_token_for(contact_a)]))

    assert "private" in response["Cache-Control"]
    vevents = _events(response)
    assert [str(v["SUMMARY"]) for v in vevents] == [
        "Digitaler Kurzimpuls",
        "Workshop Ehrenamtskarte (waiting list)",
    ]
    assert LINK in str(vevents[0]["DESCRIPTION"])
    assert b"warteliste-456" not in response.content
    assert all(str(v.decoded("DTSTART").tzinfo) == "Europe/Berlin" for v in vevents)


def test_the_feed_token_stays_the_same_for_a_person(contact_a, contact_b):
    token = feed_token_for(contact_a)
    assert feed_token_for(contact_a) == token
    assert feed_token_for(contact_b) != token
    assert len(token) >= 40


def test_an_unknown_feed_token_gives_not_found(client, contact_a):
    feed_token_for(contact_a)

    response = client.get(reverse("meetings:feed", args=["kein-gueltiges-token"]))

    assert response.status_code == 404


def test_the_confirmation_mail_carries_the_calendar_file(member_a, contact_a):
    event = _online_event()

    registration = services.register(event, contact_a, contact_a)

    assert registration.status == Registration.Status.CONFIRMED
    [attachment] = OutboundEmailAttachment.objects.filter(
        email__kind="meetings/registration_confirmed", mimetype=MIMETYPE
    )
    assert attachment.email.to == contact_a.email
    assert attachment.filename == ics_filename(event)
    with attachment.file.open("rb") as handle:
        [vevent] = Calendar.from_ical(handle.read()).walk("VEVENT")
    assert str(vevent["UID"]).startswith(f"event-{event.pk}@")
    assert LINK in str(vevent["DESCRIPTION"])


def test_the_waiting_list_mail_has_no_calendar_file_but_the_promotion_mail_has(
    member_a, contact_a, colleague_a
):
    event = _online_event(capacity=1)
    first = services.register(event, contact_a, contact_a)
    second = services.register(event, colleague_a, contact_a)
    assert second.status == Registration.Status.WAITLISTED
    assert not OutboundEmailAttachment.objects.filter(
        email__kind="meetings/registration_waitlisted"
    ).exists()

    services.cancel(first, contact_a)

    promoted = OutboundEmailAttachment.objects.get(email__kind="meetings/registration_promoted")
    assert promoted.mimetype == "text/calendar; method=PUBLISH"
    assert promoted.email.to == colleague_a.email


def test_the_feed_speaks_the_language_the_person_chose(client, contact_a, organisation_a):
    _registration(EventFactory(title="Workshop"), contact_a, organisation_a, "waitlisted")
    assert contact_a.language == "de"

    response = client.get(reverse("meetings:feed", args=[feed_token_for(contact_a)]))

    [vevent] = _events(response)
    # German from the catalogue (maintained elsewhere), not the English source text.
    assert str(vevent["SUMMARY"]).startswith("Workshop (")
    assert str(vevent["SUMMARY"]) != "Workshop (waiting list)"


# --- The personal feed on the dashboard ---------------------------------------------------------


def test_renewing_the_feed_address_stops_the_old_one(client, contact_a, organisation_a):
    _registration(EventFactory(), contact_a, organisation_a)
    old = feed_token_for(contact_a)
    client.force_login(contact_a)

    response = client.post(reverse("meetings:feed_renew"), follow=True)

    new = feed_token_for(contact_a)
    assert new != old
    assert len(new) >= 40
    assert response.redirect_chain[-1][0].startswith(reverse("dashboard"))
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert client.get(reverse("meetings:feed", args=[old])).status_code == 404
    assert len(_events(client.get(reverse("meetings:feed", args=[new])))) == 1


def test_renewing_needs_a_login_and_a_post(client, contact_a):
    token = feed_token_for(contact_a)
    response = client.post(reverse("meetings:feed_renew"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    client.force_login(contact_a)
    assert client.get(reverse("meetings:feed_renew")).status_code == 405
    assert feed_token_for(contact_a) == token


def test_the_dashboard_shows_my_coming_events_and_the_feed_address(
    client, contact_a, organisation_a, contact_b
):
    coming = _registration(EventFactory(title="Netzwerktreffen Herbst"), contact_a, organisation_a)
    waiting = _registration(
        EventFactory(title="Workshop Ehrenamtskarte"),
        contact_a,
        organisation_a,
        Registration.Status.WAITLISTED,
    )
    _registration(
        EventFactory(title="Storniert"), contact_a, organisation_a, Registration.Status.CANCELLED
    )
    past = EventFactory(
        title="Vergangen",
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=2),
    )
    _registration(past, contact_a, organisation_a)
    _registration(EventFactory(title="Fremd"), contact_b, contact_b.affiliation.organisation)
    client.force_login(contact_a)

    html = client.get(reverse("dashboard")).content.decode()

    panel = html.split("data-my-events", 1)[1].split("</section>", 1)[0]
    assert reverse("meetings:registration", args=[coming.pk]) in panel
    assert reverse("meetings:registration", args=[waiting.pk]) in panel
    assert panel.index("Netzwerktreffen Herbst") < panel.index("Workshop Ehrenamtskarte")
    for absent in ("Storniert", "Vergangen", "Fremd"):
        assert absent not in panel
    feed = settings.PORTAL_BASE_URL + reverse("meetings:feed", args=[feed_token_for(contact_a)])
    assert re.search(rf'<input[^>]*value="{re.escape(feed)}"[^>]*readonly', panel)
    assert '<label class="kern-label" for="feed-url">' in panel
    assert f'action="{reverse("meetings:feed_renew")}"' in panel
    assert reverse("meetings:event_list") in panel


def test_the_panel_says_when_there_is_nothing_coming(client, user_without_organisation):
    client.force_login(user_without_organisation)
    html = client.get(reverse("dashboard")).content.decode()
    assert "data-no-registrations" in html
    assert "data-feed-url" in html


def test_the_dashboard_needs_as_many_queries_for_2_as_for_20_registrations(
    client, contact_a, organisation_a
):
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(context.captured_queries)

    for _ in range(2):
        _registration(EventFactory(), contact_a, organisation_a)
    client.force_login(contact_a)
    count()  # the feed's token is made on the first visit
    few = count()
    for _ in range(18):
        _registration(EventFactory(), contact_a, organisation_a)
    assert Registration.objects.filter(user=contact_a).count() == 20
    assert count() == few
