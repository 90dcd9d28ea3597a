"""A member picks a workshop by keyboard and switches it, and members and guests choose in two
rounds with one button, in Chromium with axe."""

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

    status = page.locator("#sessions-status")
    button = page.locator("#sessions-submit")
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


def _two_rounds(event):
    first = TimeSlotFactory(event=event, title="Workshopphase I")
    second = TimeSlotFactory(
        event=event,
        title="Workshopphase II",
        starts_at=first.ends_at,
        ends_at=first.ends_at + datetime.timedelta(hours=1),
    )
    return (
        [SessionFactory(slot=first, title=t, capacity=5) for t in ("A: Karte", "B: Bündnis")],
        [SessionFactory(slot=second, title=t, capacity=5) for t in ("C: Geld", "D: Digital")],
    )


def test_a_member_chooses_in_both_rounds_and_one_button_saves_both(
    page, live_server, contact_a, member_a
):
    event = EventFactory(capacity=None, title="Engagementkongress")
    round_one, round_two = _two_rounds(event)
    registration = Registration.objects.create(
        event=event, user=contact_a, organisation=member_a, status="confirmed"
    )
    log_in_browser(page, live_server, contact_a)
    page.goto(f"{live_server.url}/anmeldung/{registration.pk}/workshops/")
    expect(page.locator("#sessions-submit")).to_have_count(1)
    assert_accessible(page)

    page.get_by_label("B: Bündnis").check()
    page.get_by_label("C: Geld").check()
    page.locator("#sessions-submit").click()

    # htmx swaps the form: both choices are saved and shown, and each is announced.
    status = page.locator("#sessions-status")
    expect(status.locator('[data-status-level="success"]')).to_have_count(2)
    expect(page.locator(f"#session-{round_one[1].pk}-details [data-my-choice]")).to_be_visible()
    expect(page.locator(f"#session-{round_two[0].pk}-details [data-my-choice]")).to_be_visible()
    expect(page.locator("#sessions-submit")).to_be_focused()
    assert_accessible(page)
    chosen = set(SessionChoice.objects.values_list("session_id", flat=True))
    assert chosen == {round_one[1].pk, round_two[0].pk}


def test_a_guest_without_javascript_chooses_in_both_rounds(
    page, browser, browser_context_args, live_server
):
    event = EventFactory(capacity=None, audience="open", title="Engagementkongress")
    round_one, round_two = _two_rounds(event)
    guest = Registration.objects.create(
        event=event,
        guest_name="Gerda Gast",
        guest_email="gerda@verein.example",
        status="confirmed",
        guest_token="g" * 32,
    )
    address = f"{live_server.url}/anmeldung/gast/{guest.guest_token}/workshops/"
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    plain = context.new_page()
    plain.goto(address)
    plain.get_by_label("A: Karte").check()
    plain.get_by_label("D: Digital").check()
    plain.locator("#sessions-submit").click()

    # A plain post and a redirect back: both choices saved, a message for each.
    expect(plain).to_have_url(address)
    expect(plain.locator(".messages .kern-alert--success")).to_have_count(2)
    expect(plain.get_by_label("A: Karte")).to_be_checked()
    expect(plain.get_by_label("D: Digital")).to_be_checked()
    context.close()
    chosen = set(SessionChoice.objects.values_list("session_id", flat=True))
    assert chosen == {round_one[0].pk, round_two[1].pk}
    # axe needs JavaScript: the same page, checked in a browser that runs it.
    page.goto(address)
    expect(page.get_by_label("D: Digital")).to_be_checked()
    assert_accessible(page)
