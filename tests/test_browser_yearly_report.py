"""Staff request the yearly report in Chromium: from the overview to the page, a bad year with
its German message, the report made, its progress followed by htmx, and axe on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.yearly_report.models import YearlyReport
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import MembershipFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    settings.MEDIA_ROOT = tmp_path


def test_staff_request_the_yearly_report_and_follow_its_progress(page: Page, live_server):
    MembershipFactory.create_batch(2)
    waiting = YearlyReport.objects.create(
        year=2024, language="en", status=YearlyReport.Status.RENDERING, progress=40
    )
    log_in_browser(page, live_server, StaffFactory(language="de"))

    page.goto(f"{live_server.url}/admin/uebersicht/")
    page.get_by_role(
        "link", name="Jahresbericht: die Zahlen eines Jahres als PDF und Tabelle"
    ).click()
    expect(page.locator("h1")).to_have_text("Jahresbericht")
    expect(page.locator(f"#report-{waiting.pk} progress")).to_have_attribute("value", "40")
    assert_accessible(page)

    page.get_by_label("Jahr").fill("neunzehnhundert")
    page.get_by_role("button", name="Bericht erstellen").click()
    expect(page.locator("#id_year_error")).to_have_text(
        "Bitte geben Sie das Jahr als Zahl ein, zum Beispiel 2026."
    )
    expect(page.get_by_label("Jahr")).to_have_value("neunzehnhundert")
    assert_accessible(page)

    page.get_by_label("Jahr").fill("2024")
    page.get_by_role("button", name="Bericht erstellen").click()
    made = YearlyReport.objects.get(language="de")
    row = page.locator(f"#report-{made.pk}")
    expect(row.get_by_role("link", name="PDF 2024")).to_be_visible()

    # The waiting report is finished elsewhere: the list polled by htmx shows it without reload.
    YearlyReport.objects.filter(pk=waiting.pk).update(status=YearlyReport.Status.FAILED)
    expect(page.locator(f"#report-{waiting.pk}")).to_have_attribute("data-status", "failed")
    assert_accessible(page)
