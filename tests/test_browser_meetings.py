"""A member registers for an event, takes the calendar file, cancels, and the colleague who was
waiting gets the place: in Chromium, with axe on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from meetings.events import services
from meetings.models import Event, Registration, RegistrationQuestion
from portal.models import OutboundEmail
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_registers_cancels_and_the_waiting_colleague_moves_up(
    page: Page, live_server, contact_a, colleague_a, member_a
):
    EventFactory(
        capacity=1, description="Austausch der Engagementbeauftragten.\n\nMit Mittagessen."
    )
    event = Event.objects.latest("pk")
    dinner = RegistrationQuestion.objects.create(
        event=event, label="Nehmen Sie am Abendessen teil?", kind="yes_no", required=True
    )
    log_in_browser(page, live_server, contact_a)

    page.goto(live_server.url + "/veranstaltungen/")
    item = page.locator(f'[data-upcoming-events] [data-event="{event.pk}"]')
    expect(item).to_have_attribute("data-places-left", "1")
    assert_accessible(page)

    item.get_by_role("link", name=event.title).click()
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))
    expect(page.locator("[data-places-left]")).to_have_attribute("data-places-left", "1")
    assert_accessible(page)

    form = page.locator("#register-form")
    form.locator('input[name="listed_consent"]').check()
    form.locator('textarea[name="needs"]').fill("vegetarisch")
    form.get_by_role("group", name="Nehmen Sie am Abendessen teil?").get_by_label("ja").check()
    form.locator('button[type="submit"]').click()

    # With JavaScript, htmx swaps the registration section in place and updates the places.
    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", "confirmed")
    expect(page.locator("[data-places-left]")).to_have_attribute("data-places-left", "0")
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))
    assert_accessible(page)
    registration = Registration.objects.get(user=contact_a, event=event)
    assert registration.listed_consent
    assert registration.needs == "vegetarisch"
    assert registration.answers == [{"question": dinner.pk, "label": dinner.label, "answer": "ja"}]

    # The colleague comes too late: the only place is taken.
    waiting = services.register(event, colleague_a, registered_by=colleague_a)
    assert waiting.status == Registration.Status.WAITLISTED

    page.locator("[data-registered] a").first.click()
    expect(page).to_have_url(re.compile(rf"/anmeldung/{registration.pk}/$"))
    expect(page.locator("[data-registration-status]")).to_have_attribute(
        "data-registration-status", "confirmed"
    )
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.locator("a[data-ics]").click()
    ics = Path(download_info.value.path()).read_bytes()
    calendar = Calendar.from_ical(ics)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent["STATUS"]) == "CONFIRMED"

    page.locator("a[data-cancel]").click()
    expect(page).to_have_url(re.compile(r"/stornieren/$"))
    assert_accessible(page)
    page.locator('#cancel-form button[type="submit"]').click()

    expect(page.locator("[data-registration-status]")).to_have_attribute(
        "data-registration-status", "cancelled"
    )
    expect(page.locator("a[data-cancel]")).to_have_count(0)
    assert_accessible(page)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    promoted_mail = OutboundEmail.objects.get(
        to=colleague_a.email, kind="meetings/registration_promoted"
    )
    assert event.title in promoted_mail.subject

    # The colleague sees the place on their own registration page.
    page.context.clear_cookies()
    log_in_browser(page, live_server, colleague_a)
    page.goto(f"{live_server.url}/anmeldung/{waiting.pk}/")
    expect(page.locator("[data-registration-status]")).to_have_attribute(
        "data-registration-status", "confirmed"
    )
    assert_accessible(page)
