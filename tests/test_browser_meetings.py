"""A member's contact person finds an event, registers, and cancels, in Chromium with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from meetings.models import Event, Registration
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_registers_for_an_event_and_cancels(page: Page, live_server, contact_a, member_a):
    EventFactory(description="Austausch der Engagementbeauftragten.\n\nMit Mittagessen.")
    event = Event.objects.latest("pk")
    log_in_browser(page, live_server, contact_a)

    page.goto(live_server.url + "/veranstaltungen/")
    item = page.locator(f'[data-upcoming-events] [data-event="{event.pk}"]')
    expect(item).to_have_attribute("data-places-left", "10")
    assert_accessible(page)

    item.get_by_role("link", name=event.title).click()
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))
    expect(page.locator("[data-places-left]")).to_have_attribute("data-places-left", "10")
    assert_accessible(page)

    form = page.locator("#register-form")
    form.locator('input[name="listed_consent"]').check()
    form.locator('textarea[name="needs"]').fill("vegetarisch")
    form.locator('button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/anmeldung/\d+/$"))
    expect(page.locator("[data-registration-status]")).to_have_attribute(
        "data-registration-status", "confirmed"
    )
    assert_accessible(page)
    registration = Registration.objects.get(user=contact_a, event=event)
    assert registration.listed_consent
    assert registration.needs == "vegetarisch"

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
