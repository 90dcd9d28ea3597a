"""A municipality's history at a glance and the filter "ohne Teilnahme seit …" in admin, in
Chromium with axe (issue 21)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, log_in_browser
from tests.factories import OrganisationFactory, UserFactory
from tests.test_organisation_history import ALL_PARTS, history_world, staff_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_filter_municipalities_without_attendance_and_read_one_history(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    active = OrganisationFactory()
    history_world(active, 1)
    absent = OrganisationFactory()
    UserFactory()
    log_in_browser(page, live_server, staff_with(*ALL_PARTS))

    page.goto(f"{live_server.url}/admin/members/organisation/")
    page.get_by_role("link", name="two years").click()
    expect(page.locator("#result_list")).to_contain_text(absent.authority.ags)
    expect(page.locator("#result_list")).not_to_contain_text(active.authority.ags)
    assert_accessible(page)

    page.goto(f"{live_server.url}/admin/members/organisation/{active.pk}/change/")
    history = page.locator("#organisation-history")
    expect(history.get_by_role("heading", name="History at a glance")).to_be_visible()
    expect(history.locator("table")).to_have_count(4)
    expect(history.locator('[data-history="responses"]')).to_contain_text("Befragung 0 submitted")
    assert_accessible(page)
