"""A person downloads their data and deletes their account by keyboard: in Chromium, with axe
on both pages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import cast

import pytest
from playwright.sync_api import Page, expect

from meetings.events import services
from meetings.models import Event, Registration
from portal.models import OutboundEmail, User
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import PASSWORD, EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page: Page, control_id: str, limit: int = 60) -> None:
    """Press Tab until the control has the focus, as someone using the keyboard would."""
    for _ in range(limit):
        if focused_id(page) == control_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{control_id} never got the focus; stopped at #{focused_id(page)}")


def test_a_person_downloads_the_data_and_deletes_the_account_by_keyboard(
    page: Page, live_server, colleague_a, contact_a, member_a
):
    registration = services.register(
        cast(Event, EventFactory()), colleague_a, colleague_a, needs="Aufzug"
    )
    log_in_browser(page, live_server, colleague_a)

    page.goto(live_server.url + "/mein-bereich/")
    page.locator('a[href="/mein-bereich/meine-daten/"]').click()
    expect(page).to_have_url(re.compile(r"/mein-bereich/meine-daten/$"))
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.locator("a[data-export]").click()
    download = download_info.value
    assert re.fullmatch(
        r"kommunen-netzwerk-meine-daten-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename
    )
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == colleague_a.email
    assert data["meetings"]["registrations"][0]["needs"] == "Aufzug"

    page.locator("a[data-delete-link]").click()
    expect(page).to_have_url(re.compile(r"/mein-bereich/konto-loeschen/$"))
    assert_accessible(page)

    # A wrong password first: the error stands next to the field, the tick stays.
    tab_to(page, "id_password")
    page.keyboard.type("falsches-Passwort")
    tab_to(page, "id_understood")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#id_password_error")).to_be_visible()
    expect(page.locator("#id_understood")).to_be_checked()
    assert_accessible(page)
    assert User.objects.filter(pk=colleague_a.pk).exists()

    tab_to(page, "id_password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "id_understood")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".messages .kern-alert--success")).to_be_visible()
    assert not User.objects.filter(pk=colleague_a.pk).exists()
    assert OutboundEmail.objects.filter(
        kind="portal/account_deleted", to=colleague_a.email
    ).exists()
    assert not Registration.objects.filter(pk=registration.pk).exists()

    page.goto(live_server.url + "/mein-bereich/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
