"""A member searches the library by keyboard and opens a result, in Chromium with axe; the
same search works without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from meetings.models import LibraryTopic, Publication
from tests.conftest import assert_accessible, log_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TAB_LIMIT = 40


@pytest.fixture
def shelf():
    """Two public items and one for members, about different things."""
    card = LibraryTopic.objects.create(name="Ehrenamtskarte")
    wanted = Publication.objects.create(
        title="Die Ehrenamtskarte im ländlichen Raum",
        summary="Erfahrungen aus Kreisen, die die Karte gemeinsam mit ihren Gemeinden ausgeben.",
        kind=Publication.Kind.PUBLICATION,
        year=2025,
        link="https://www.kommunen-netzwerk.example/ehrenamtskarte",
        visibility=Publication.Visibility.MEMBERS,
    )
    wanted.topics.add(card)
    for title in ("Freiwilligenagenturen vernetzen", "Engagementstrategie kompakt"):
        Publication.objects.create(
            title=title,
            summary="Eine Arbeitshilfe für die Engagementförderung.",
            kind=Publication.Kind.METHOD,
            year=2024,
            link="https://www.kommunen-netzwerk.example/arbeitshilfe",
            visibility=Publication.Visibility.PUBLIC,
        )
    return wanted


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable by keyboard")


def test_a_member_searches_by_keyboard_and_opens_a_result(
    page: Page, live_server, contact_a, member_a, shelf
):
    log_in_browser(page, live_server, contact_a)
    page.goto(live_server.url + "/wissen/")
    expect(page.locator("#library-count [data-count]")).to_have_attribute("data-count", "3")
    assert_accessible(page)

    tab_to(page, "#id_q")
    page.keyboard.type("Ehrenamtskarten")

    # htmx brings the results while typing and puts the search into the address.
    expect(page.locator("#library-count [data-count]")).to_have_attribute("data-count", "1")
    expect(page).to_have_url(re.compile(r"/wissen/\?q=Ehrenamtskarten"))
    expect(page.locator("[data-results] li")).to_have_count(1)
    expect(page.locator("#id_q")).to_be_focused()
    assert_accessible(page)

    tab_to(page, f'[data-publication="{shelf.pk}"] a')
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/wissen/{shelf.pk}/$"))
    expect(page.locator("h1")).to_have_text(shelf.title)
    expect(page.locator("[data-topics] a")).to_have_text("Ehrenamtskarte")
    assert_accessible(page)

    page.go_back()
    expect(page.locator("#id_q")).to_have_value("Ehrenamtskarten")
    expect(page.locator("[data-results] li")).to_have_count(1)


def test_the_search_works_without_javascript(browser: Browser, live_server, shelf):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/wissen/")
        expect(page.locator("#library-count [data-count]")).to_have_attribute("data-count", "2")
        page.locator("#id_q").fill("Freiwilligenagentur")
        page.locator("#id_q").press("Enter")
        expect(page).to_have_url(re.compile(r"/wissen/\?q=Freiwilligenagentur"))
        expect(page.locator("[data-results] li")).to_have_count(1)
        expect(page.locator("[data-results] a")).to_have_text("Freiwilligenagenturen vernetzen")
    finally:
        context.close()
