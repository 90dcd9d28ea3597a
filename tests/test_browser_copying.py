"""Staff copy last year's event as the start of this year's, in Chromium with axe (issue 21)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Event
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import EventFactory, SessionFactory, TimeSlotFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_copy_an_event_through_the_offset_page_and_land_on_the_copy_to_edit(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    staff = UserFactory(is_staff=True, language="en")
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="meetings",
            codename__in=["view_event", "add_event", "change_event"],
        )
    )
    event = EventFactory(
        title="Netzwerktreffen Frühjahr",
        starts_at=timezone.now() - datetime.timedelta(days=40),
        ends_at=timezone.now() - datetime.timedelta(days=40) + datetime.timedelta(hours=4),
        registration_closes_at=timezone.now() - datetime.timedelta(days=45),
    )
    SessionFactory(slot=TimeSlotFactory(event=event), title="Forum Ehrenamt")
    log_in_browser(page, live_server, staff)

    page.goto(f"{live_server.url}/admin/meetings/event/")
    page.locator(f'input[name="_selected_action"][value="{event.pk}"]').check()
    page.locator('select[name="action"]').select_option("copy_as_template")
    page.locator('#changelist-form button[name="index"]').click()

    expect(page.locator("h1")).to_have_text("Copy as template for new events")
    expect(page.get_by_label("Years")).to_have_value("1")
    assert_accessible(page)
    # A month is not enough: the registration would have closed already.
    page.get_by_label("Years").fill("0")
    page.get_by_label("Months").fill("1")
    page.get_by_role("button", name="Make copies").click()
    expect(page.locator("#id_years_error")).to_contain_text("in the past")
    expect(page.get_by_label("Months")).to_have_value("1")
    assert_accessible(page)
    page.get_by_label("Years").fill("1")
    page.get_by_label("Months").fill("0")
    page.get_by_role("button", name="Make copies").click()

    copy = Event.objects.get(copied_from=event)
    expect(page).to_have_url(f"{live_server.url}/admin/meetings/event/{copy.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("1 copy was made")
    expect(page.get_by_role("link", name=str(event))).to_be_visible()
    expect(page.locator("#id_status")).to_have_value("draft")
    expect(page.locator("#id_title")).to_have_value("Netzwerktreffen Frühjahr")
    assert_accessible(page)
