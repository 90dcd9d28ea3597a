"""A guest registers for an open workshop with double opt-in; a member registers with htmx.

In Chromium with axe on every page."""

from __future__ import annotations

import re
from typing import cast

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from meetings.models import Event, Registration
from portal.models import OutboundEmail
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_registers_confirms_downloads_the_file_and_cancels(page: Page, live_server):
    event = cast(
        Event,
        EventFactory(
            kind=Event.Kind.WORKSHOP,
            title="Workshop Freiwilligenagenturen",
            audience=Event.Audience.OPEN,
            capacity=5,
        ),
    )

    page.goto(f"{live_server.url}/veranstaltungen/{event.pk}/")
    form = page.locator("#guest-form")
    expect(form).to_be_visible()
    assert_accessible(page)

    form.locator('input[name="name"]').fill("Gerda Gast")
    form.locator('input[name="email"]').fill("gerda@verein.example")
    form.locator('input[name="organisation"]').fill("Freiwilligenagentur Musterstadt")
    form.locator('input[name="listed_consent"]').check()
    form.locator('input[name="privacy"]').check()
    form.locator('button[type="submit"]').click()

    # With JavaScript, htmx swaps the form for the notice; the page stays where it is.
    expect(page.locator("[data-guest-sent]")).to_be_visible()
    expect(page.locator("[data-guest-sent]")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))
    assert_accessible(page)
    registration = Registration.objects.get(event=event)
    assert registration.status == Registration.Status.PENDING

    mail = OutboundEmail.objects.get(kind="meetings/guest_confirm", to="gerda@verein.example")
    match = re.search(r"(/anmeldung/gast/bestaetigen/[^/\s]+/)", mail.body_text)
    assert match
    page.goto(live_server.url + match.group(1))
    assert_accessible(page)
    page.locator('#guest-confirm-form button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/anmeldung/gast/[\w-]+/$"))
    expect(page.locator("[data-registration-status]")).to_have_attribute(
        "data-registration-status", "confirmed"
    )
    expect(page.locator("[data-participant]")).to_contain_text("Gerda Gast")
    assert_accessible(page)

    with page.expect_download() as info:
        page.locator("a[data-ics]").click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), "rb") as handle:
        [vevent] = Calendar.from_ical(handle.read()).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Workshop Freiwilligenagenturen"
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

    # The link of the mail has been used: it says so on a page of its own.
    page.goto(live_server.url + match.group(1))
    expect(page.locator("[data-link-problem]")).to_have_attribute("data-link-problem", "used")
    assert_accessible(page)


def test_a_member_registers_on_the_event_page_without_a_reload(
    page: Page, live_server, contact_a, member_a
):
    event = cast(Event, EventFactory(capacity=3))
    log_in_browser(page, live_server, contact_a)
    page.goto(f"{live_server.url}/veranstaltungen/{event.pk}/")
    expect(page.locator("#places-left")).to_have_attribute("data-places-left", "3")
    assert_accessible(page)
    # A full reload would lose this mark.
    page.evaluate("window.stillTheSamePage = true")

    form = page.locator("#register-form")
    form.locator('textarea[name="needs"]').fill("vegetarisch")
    form.locator('button[type="submit"]').click()

    expect(page.locator('[data-registered="confirmed"]')).to_be_visible()
    expect(page.locator('[data-registered="confirmed"]')).to_be_focused()
    expect(page.locator("#register-form")).to_have_count(0)
    expect(page.locator("#places-left")).to_have_attribute("data-places-left", "2")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))
    assert_accessible(page)
    registration = Registration.objects.get(event=event, user=contact_a)
    assert registration.needs == "vegetarisch"

    page.locator('[data-registered] a[href$="/"]').first.click()
    expect(page).to_have_url(re.compile(rf"/anmeldung/{registration.pk}/$"))
    expect(page.locator("a[data-feed]")).to_be_visible()
