"""A registered officer registers her colleagues, from the event page and from her registration
page, in Chromium with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from meetings.events import services
from meetings.models import Registration
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import AffiliationFactory, EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_registered_officer_registers_two_colleagues(
    page: Page, live_server, contact_a, colleague_a, member_a, organisation_a
):
    second = AffiliationFactory.create(organisation=organisation_a, role="colleague").user
    event = EventFactory.create(capacity=None, title="Netzwerktreffen Frühjahr")
    own = services.register(event, contact_a, registered_by=contact_a)
    log_in_browser(page, live_server, contact_a)

    page.goto(f"{live_server.url}/veranstaltungen/{event.pk}/")
    expect(page.locator('[data-registration-state="confirmed"]')).to_be_visible()
    picker = page.locator("#register-form select[name=participant]")
    expect(picker.locator("option")).to_have_count(3)  # "please choose" and two colleagues
    assert_accessible(page)
    picker.select_option(label=colleague_a.get_full_name())
    page.locator("#register-form button[type=submit]").click()

    # htmx swaps the section: the colleague has a place, and the picker offers the next one.
    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", "confirmed")
    expect(page.locator('[data-registration-state="confirmed"]')).to_be_visible()
    expect(picker.locator("option")).to_have_count(2)
    expect(picker.locator(f'option[value="{second.pk}"]')).to_have_count(1)
    assert_accessible(page)
    assert Registration.objects.get(user=colleague_a, event=event).registered_by == contact_a

    # Her own registration page offers the colleague left, with a plain form.
    page.goto(f"{live_server.url}/anmeldung/{own.pk}/")
    section = page.locator("[data-register-colleague]")
    expect(section.get_by_role("heading", level=2)).to_be_visible()
    assert_accessible(page)
    section.get_by_label("Wer teilnimmt").select_option(label=second.get_full_name())
    section.locator("button[type=submit]").click()

    theirs = Registration.objects.get(user=second, event=event)
    expect(page).to_have_url(re.compile(rf"/anmeldung/{theirs.pk}/$"))
    expect(page.locator("[data-registration-status]")).to_have_attribute(
        "data-registration-status", "confirmed"
    )
    assert_accessible(page)

    # Everyone is registered: no picker is left.
    page.goto(f"{live_server.url}/anmeldung/{own.pk}/")
    expect(page.locator("[data-register-colleague]")).to_have_count(0)
    page.goto(f"{live_server.url}/veranstaltungen/{event.pk}/")
    expect(page.locator("#register-form")).to_have_count(0)
