"""Staff reach the overview from admin's start page by keyboard and follow a figure to its list:
in Chromium, with axe on the overview."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from meetings.models import Registration
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import (
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    StaffFactory,
    SurveyFactory,
)
from tests.support.staff_dashboard import register, sent_mailing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("STAFF_DASHBOARD_SCREENSHOTS")


def test_staff_open_the_overview_by_keyboard_and_follow_a_figure(page: Page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    MembershipFactory.create_batch(3)
    ApplicationFactory.create_batch(2, status="submitted", created_by=None)
    event = EventFactory(title="Netzwerktreffen in Hamm", capacity=5)
    register(event, Registration.Status.CONFIRMED, 4)
    register(event, Registration.Status.WAITLISTED, 1)
    sent_mailing("Neuigkeiten aus dem Netzwerk", sent=4, failed=1, queued=1)
    SurveyFactory()
    log_in_browser(page, live_server, StaffFactory(language="en"))

    page.goto(f"{live_server.url}/admin/")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/admin-index.png")
    link = page.get_by_role("link", name="Overview of the network")
    for _ in range(20):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/admin/uebersicht/")
    expect(page.locator("h1")).to_have_text("Overview of the network")
    expect(page.get_by_role("img", name="Members over time")).to_be_visible()
    expect(page.get_by_role("table", name="Members at the end of each quarter")).to_be_visible()
    for heading in (
        "Members over time",
        "Applications by status",
        "Gemeinsame Erklärung",
        "Next events",
        "Last information e-mails",
        "Open surveys",
    ):
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/staff-dashboard.png", full_page=True)
    assert_accessible(page)

    page.locator('#staff-applications tr[data-status="submitted"] a').click()
    expect(page).to_have_url(
        f"{live_server.url}/admin/members/application/?status__exact=submitted"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
