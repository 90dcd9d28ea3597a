"""End to end in Chromium, with axe-core on every page the user sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import OutboundEmail
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_verifies_and_reaches_the_dashboard(page: Page, live_server):
    page.goto(live_server.url)
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Mitmachen"
    ).click()
    expect(page).to_have_url(re.compile(r"/mitmachen/$"))
    assert_accessible(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Konto erstellen"
    ).click()
    assert_accessible(page)
    page.get_by_label("Vollständiger Name").fill("Erika Engagiert")
    page.get_by_label("E-Mail", exact=False).first.fill("erika@kommune.example")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung)").fill(PASSWORD)
    page.get_by_role("button", name="Konto erstellen").click()
    expect(page.locator("h1")).to_contain_text("E-Mail")
    assert_accessible(page)

    mail = OutboundEmail.objects.get(to="erika@kommune.example")
    assert mail.status == OutboundEmail.Status.SENT
    link = re.search(r"/konto/confirm-email/[^/\s]+/", mail.body_text)
    assert link, mail.body_text
    page.goto(live_server.url + link.group(0))
    assert_accessible(page)
    page.get_by_role("button", name="Bestätigen").click()

    # Confirmed in the browser that signed up: logged in at once (no second detour via login).
    expect(page).to_have_url(re.compile(r"/mein-bereich/$"))
    expect(page.locator("h1")).to_contain_text("Erika")
    assert_accessible(page)

    page.get_by_role("button", name="Ausloggen").click()
    page.goto(live_server.url + "/konto/login/")
    page.get_by_label("E-Mail").fill("erika@kommune.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Einloggen").click()

    expect(page).to_have_url(re.compile(r"/mein-bereich/$"))
    expect(page.locator("h1")).to_contain_text("Erika")
    assert_accessible(page)


@pytest.mark.parametrize(
    "path",
    ["/impressum/", "/datenschutz/", "/barrierefreiheit/", "/datenquellen/", "/gibt-es-nicht/"],
)
def test_the_other_public_pages_pass_axe(page: Page, live_server, path):
    page.goto(live_server.url + path)
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)


def test_the_skip_link_moves_keyboard_focus_to_the_content(page: Page, live_server):
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize(
    "path",
    [
        "/mein-bereich/",
        "/konto/email/",
        "/konto/password/change/",
        "/konto/2fa/",
        "/konto/reauthenticate/",
    ],
)
def test_the_account_pages_pass_axe(page: Page, live_server, contact_a, path):
    log_in_browser(page, live_server, contact_a)
    page.goto(live_server.url + path)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
