"""A member picks a workshop by keyboard and switches it, in Chromium with axe."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from meetings.models import Registration, SessionChoice
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import EventFactory, ProgrammeItemFactory, SessionFactory, TimeSlotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_picks_a_workshop_by_keyboard_and_switches(page, live_server, contact_a, member_a):
    event = EventFactory(capacity=None, title="Netzwerktreffen Herbst")
    ProgrammeItemFactory(
        event=event, title="Begrüßung", speakers="Staatssekretärin", description="Grußwort"
    )
    slot = TimeSlotFactory(event=event, title="Workshopphase I")
    first = SessionFactory(slot=slot, title="A: Ehrenamtskarte", capacity=3)
    second = SessionFactory(slot=slot, title="B: Engagementbündnis", capacity=None)
    ProgrammeItemFactory(
        event=event, title="Abschluss", starts_at=slot.ends_at + datetime.timedelta(minutes=15)
    )
    registration = Registration.objects.create(
        event=event, user=contact_a, organisation=member_a, status="confirmed"
    )
    log_in_browser(page, live_server, contact_a)

    page.goto(f"{live_server.url}/veranstaltungen/{event.pk}/")
    programme = page.locator("[data-programme]")
    expect(programme.get_by_role("heading", level=2)).to_be_visible()
    expect(programme.locator(f'[data-programme-session="{first.pk}"]')).to_contain_text("3")
    assert_accessible(page)

    page.goto(f"{live_server.url}/anmeldung/{registration.pk}/")
    page.locator("a[data-choose-sessions]").click()
    expect(page).to_have_url(f"{live_server.url}/anmeldung/{registration.pk}/workshops/")
    assert_accessible(page)

    status = page.locator(f"#slot-{slot.pk}-status")
    button = page.locator(f"#slot-{slot.pk}-submit")
    # "No workshop" is checked; the arrow keys move up to the first workshop.
    page.locator(f"#slot-{slot.pk}-none").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#session-{first.pk}")).to_be_checked()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(status.locator('[data-status-level="success"]')).to_be_visible()
    expect(page.locator(f"#session-{first.pk}-details [data-my-choice]")).to_have_attribute(
        "data-my-choice", "confirmed"
    )
    expect(page.locator(f'[data-session="{first.pk}"]')).to_have_attribute("data-places-left", "2")
    expect(button).to_be_focused()
    assert_accessible(page)

    # Back into the group, on to the next workshop, and save again: a switch in the slot.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"#session-{first.pk}")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#session-{second.pk}")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"#session-{second.pk}-details [data-my-choice]")).to_be_visible()
    expect(page.locator(f"#session-{first.pk}-details [data-my-choice]")).to_have_count(0)
    expect(page.locator(f'[data-session="{first.pk}"]')).to_have_attribute("data-places-left", "3")
    assert_accessible(page)

    page.reload()
    expect(page.locator(f"#session-{second.pk}")).to_be_checked()
    choice = SessionChoice.objects.get(registration=registration)
    assert choice.session == second
    assert choice.status == SessionChoice.Status.CONFIRMED
