"""Staff check people in at the door on a tablet, in Chromium with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from meetings.models import Registration
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import AffiliationFactory, EventFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 768, "height": 1024}


def confirmed(event, name, **fields):
    affiliation = AffiliationFactory(user__full_name=name)
    return Registration.objects.create(
        event=event,
        user=affiliation.user,
        organisation=affiliation.organisation,
        registered_by=affiliation.user,
        status=Registration.Status.CONFIRMED,
        **fields,
    )


def test_staff_search_a_name_and_check_the_person_in_by_keyboard(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory(title="Netzwerktreffen in Münster", capacity=None)
    mia = confirmed(event, "Mia Mitglied", needs="vegetarisch")
    for name in ("Zora Zimmermann", "Anton Adler"):
        confirmed(event, name)
    log_in_browser(page, live_server, StaffFactory(language="en"))
    page.set_viewport_size(TABLET)

    page.goto(f"{live_server.url}/admin/meetings/event/{event.pk}/checkin/")
    expect(page.locator("h1")).to_have_count(1)
    count = page.locator("#checkin-count")
    expect(count).to_have_text("0 of 3 participants checked in")
    expect(page.locator(".checkin-row")).to_have_count(3)
    # Nothing is wider than the tablet: no sideways scrolling at the door.
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    button = page.locator(f"#checkin-toggle-{mia.pk}")
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= 44, "big enough for a finger"
    assert_accessible(page)

    # Typing filters the list (htmx) without a click on "Search".
    page.locator("#checkin-q").press_sequentially("mitgl", delay=30)
    expect(page.locator(".checkin-row")).to_have_count(1)
    expect(page.locator("#checkin-matches")).to_have_text("1 person found")
    expect(page).to_have_url(re.compile(r"\?q=mitgl$"))
    expect(page.locator(".checkin-row")).to_contain_text("vegetarisch")

    # Tab to the row's button and press Enter: only the row and the counter change.
    page.locator("#checkin-q").focus()
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the row's button
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(count).to_have_text("1 of 3 participants checked in")
    row = page.locator(f"#registration-{mia.pk}")
    expect(row).to_have_attribute("data-present", "yes")
    expect(page.locator(f"#checkin-toggle-{mia.pk}")).to_contain_text("Undo")
    expect(page.locator(f"#checkin-toggle-{mia.pk}")).to_be_focused()
    expect(page.locator("#checkin-q")).to_have_value("mitgl")
    mia.refresh_from_db()
    assert mia.attended_at is not None
    assert_accessible(page)

    # Undo by keyboard as well.
    page.keyboard.press("Enter")
    expect(count).to_have_text("0 of 3 participants checked in")
    expect(row).to_have_attribute("data-present", "no")
    mia.refresh_from_db()
    assert mia.attended_at is None


def test_the_checkin_works_without_javascript(browser, browser_context_args, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory(capacity=None)
    mia = confirmed(event, "Mia Mitglied")
    confirmed(event, "Zora Zimmermann")
    context = browser.new_context(
        **browser_context_args, java_script_enabled=False, viewport=TABLET
    )
    page = context.new_page()
    log_in_browser(page, live_server, StaffFactory(language="en"))
    page.goto(f"{live_server.url}/admin/meetings/event/{event.pk}/checkin/")
    page.locator("#checkin-q").fill("mia")
    page.locator('.checkin-search button[type="submit"]').click()
    expect(page.locator(".checkin-row")).to_have_count(1)
    page.locator(f"#checkin-toggle-{mia.pk}").click()
    expect(page).to_have_url(re.compile(rf"\?q=mia#registration-{mia.pk}$"))
    expect(page.locator("#checkin-count")).to_have_text("1 of 2 participants checked in")
    expect(page.locator(".messagelist")).to_contain_text("Mia Mitglied is checked in.")
    context.close()
