"""A date chosen in the browser's date picker stays when the page is saved, in Chromium with axe."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from members.applications import services
from members.models import Application
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_planned_ehrenamtskarte_date_survives_saving_the_draft_and_answering_a_query(
    page: Page, live_server, contact_a, organisation_a, staff_user
):
    application = ApplicationFactory.create(organisation=organisation_a, created_by=contact_a)
    log_in_browser(page, live_server, contact_a)
    page.goto(f"{live_server.url}/antrag/{application.pk}/bearbeiten/")
    planned = Application.EhrenamtskarteStatus.PLANNED
    page.locator(f'input[name="ehrenamtskarte_status"][value="{planned}"]').check()
    date = page.locator("#id_ehrenamtskarte_planned_for")
    date.fill("2027-03-01")
    page.locator('button[name="action"][value="save"]').click()

    expect(page.locator(".kern-alert--success")).to_be_visible()
    expect(date).to_have_value("2027-03-01")
    assert_accessible(page)
    application.refresh_from_db()
    assert application.ehrenamtskarte_planned_for == datetime.date(2027, 3, 1)

    # The team asks a question; the municipality saves the application again meanwhile.
    services.applicant_step(application, contact_a, Application.Status.SUBMITTED)
    services.staff_step(application, staff_user, Application.Status.QUERY, "Wann genau?")
    page.goto(f"{live_server.url}/antrag/{application.pk}/bearbeiten/")
    expect(date).to_have_value("2027-03-01")
    page.locator('button[name="action"][value="save"]').click()
    expect(page.locator(".kern-alert--success")).to_be_visible()
    expect(date).to_have_value("2027-03-01")
    application.refresh_from_db()
    assert application.status == Application.Status.QUERY
    assert application.ehrenamtskarte_planned_for == datetime.date(2027, 3, 1)
