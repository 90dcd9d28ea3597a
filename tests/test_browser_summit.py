"""The Kommunales Spitzentreffen in Chromium: a head of administration is offered only the
people the summit admits and registers one of them; a contact person is told why she cannot
register. The event's facts and the header look like the rest of the portal. axe on each page."""

from __future__ import annotations

import re
from typing import cast

import pytest
from playwright.sync_api import Page, expect

from meetings.models import Event, Registration
from members.models import Affiliation
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import AffiliationFactory, EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_head_registers_only_whom_the_summit_admits(
    page: Page, live_server, head_a, contact_a, colleague_a, member_a
):
    summit = cast(Event, EventFactory(kind=Event.Kind.SUMMIT, audience=Event.Audience.HEADS))
    deputy = AffiliationFactory(
        organisation=member_a, role=Affiliation.Role.HEAD, user__full_name="Dora Vertretung"
    ).user
    log_in_browser(page, live_server, head_a)

    page.goto(f"{live_server.url}/veranstaltungen/{summit.pk}/")
    picker = page.get_by_label("Wer teilnimmt")
    options = picker.locator("option")
    expect(options).to_have_count(2)  # herself and the deputy head; no contact, no colleague
    expect(options.nth(1)).to_have_text("Dora Vertretung")
    expect(page.locator("#register-form")).to_contain_text("Als Verwaltungsspitze")
    expect(page.locator("#register-form")).not_to_contain_text("Ansprechperson")
    assert_accessible(page)

    # The facts are a KERN description list: no browser-default indentation of the values.
    value = page.locator("[data-facts] dd").first
    assert value.evaluate("node => getComputedStyle(node).marginLeft") == "0px"
    # Logging out is a button that looks like the header's links.
    look = "node => [getComputedStyle(node).color, getComputedStyle(node).fontSize]"
    account_link = page.locator(".site-nav a", has_text="Konto")
    assert page.locator("[data-logout]").evaluate(look) == account_link.evaluate(look)

    picker.select_option(label="Dora Vertretung")
    page.locator('#register-form button[type="submit"]').click()
    expect(page.locator("[data-registered]")).to_have_attribute("data-registered", "confirmed")
    expect(page).to_have_url(re.compile(rf"/veranstaltungen/{summit.pk}/$"))
    assert_accessible(page)
    registration = Registration.objects.get(event=summit)
    assert (registration.user, registration.registered_by) == (deputy, head_a)


def test_a_contact_person_is_told_the_summit_is_for_heads(
    page: Page, live_server, contact_a, member_a
):
    summit = cast(Event, EventFactory(kind=Event.Kind.SUMMIT, audience=Event.Audience.HEADS))
    log_in_browser(page, live_server, contact_a)

    page.goto(f"{live_server.url}/veranstaltungen/{summit.pk}/")
    expect(page.locator("[data-refusal]")).to_contain_text("Verwaltungsspitzen")
    expect(page.locator("#register-form")).to_have_count(0)
    assert_accessible(page)
