"""Staff bring the network in: upload, preview of every row, confirm, in Chromium with axe."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from members.models import ImportLog, Membership
from members.network_import.demo import SAMPLE
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_upload_the_sample_see_the_preview_and_confirm_the_import(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    staff = UserFactory(is_staff=True, language="de", full_name="Ines Import")
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="members", codename__in=["add_importlog", "view_importlog"]
        )
    )
    log_in_browser(page, live_server, staff)

    page.goto(f"{live_server.url}/admin/members/importlog/")
    page.get_by_role("link", name="Netzwerk importieren").click()
    expect(page.locator("h1")).to_have_text("Netzwerk importieren")
    assert_accessible(page)
    page.get_by_label("Datei").set_input_files(str(SAMPLE))
    page.get_by_label("Fassungen, die das Portal nicht kennt, als historische").check()
    page.get_by_role("button", name="Vorschau anzeigen").click()

    expect(page.locator('table[data-sheet="Mitglieder"] tr[data-status="new"]')).to_have_count(11)
    expect(page.locator('tr[data-status="error"]')).to_have_count(0)
    assert not Membership.objects.exists()
    assert_accessible(page)

    page.get_by_role("button", name="Import bestätigen").click()

    expect(page.locator(".messagelist")).to_contain_text("Die Datei wurde importiert.")
    assert Membership.objects.count() == 11
    assert ImportLog.objects.get().imported_by == staff
