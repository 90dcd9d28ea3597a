"""Staff write an information e-mail in admin, preview it and send it, in Chromium with axe."""

from __future__ import annotations

import os
import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from meetings.models import Registration
from members.models import Affiliation
from portal.models import Mailing, MailingRecipient, OutboundEmail
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import AffiliationFactory, EventFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MAILING_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sender():
    user = UserFactory(is_staff=True, language="en", full_name="Sabine Sender")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="portal",
            codename__in=["view_mailing", "add_mailing", "change_mailing", "send_mailing"],
        )
    )
    return user


def test_staff_compose_preview_and_send_a_mailing_to_the_registrants_of_an_event(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory(title="Netzwerktreffen in Hamm")
    for name in ("Mia Mitglied", "Otto Ortsbeirat"):
        Registration.objects.create(
            event=event, user=UserFactory(full_name=name), status=Registration.Status.CONFIRMED
        )
    Registration.objects.create(
        event=event, user=UserFactory(), status=Registration.Status.WAITLISTED
    )
    log_in_browser(page, live_server, sender())

    page.goto(f"{live_server.url}/admin/portal/mailing/add/")
    expect(page.locator("h1")).to_have_count(1)
    page.get_by_label("Subject").fill("Unterlagen zum Netzwerktreffen")
    page.get_by_label("Text (Markdown)").fill(
        "Liebe Teilnehmende,\n\ndie **Folien** finden Sie [hier](https://example.org/folien)."
    )
    page.get_by_label("Send to, row 1").select_option("meetings.registrants")
    row = page.locator("#audience-include tr.audience-row").first
    # Only the chosen segment's details are shown (CSS, no script needed).
    expect(row.locator(".parameter-group--meetings-registrants")).to_be_visible()
    expect(row.locator(".parameter-group--portal-topic_subscribers")).to_be_hidden()
    row.get_by_label("Event").select_option(label=str(event))
    row.get_by_label("Which registrants").select_option("confirmed")
    shot(page, "compose")
    assert_accessible(page)
    page.get_by_role("button", name="Save and preview").click()

    expect(page.locator("h1")).to_have_text("Preview")
    expect(page.locator("#mailing-subject")).to_have_text("Unterlagen zum Netzwerktreffen")
    frame = page.frame_locator("#mailing-html")
    expect(frame.locator("strong")).to_have_text("Folien")
    expect(frame.get_by_text("Dear Sabine Sender,")).to_be_visible()
    expect(page.locator("#mailing-text")).to_contain_text("hier (https://example.org/folien)")
    shot(page, "preview")
    assert_accessible(page)

    # By keyboard: the link is below the preview.
    page.get_by_role("link", name="Send now").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Send the information e-mail now")
    expect(page.locator(".mailing-count")).to_have_text("2 people get this e-mail.")
    expect(page.locator("ul.audience")).to_contain_text("Netzwerktreffen in Hamm")
    shot(page, "send")
    assert_accessible(page)
    page.get_by_role("button", name="Send to 2 people now").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Sending the information e-mail to 2 people has started."
    )
    progress = page.locator("#mailing-progress")
    expect(progress.locator('[data-progress="total"]')).to_have_text("2")
    expect(progress.locator('[data-progress="sent"]')).to_have_text("2")
    expect(progress.locator('[data-progress="remaining"]')).to_have_text("0")
    shot(page, "sent")
    mailing = Mailing.objects.get()
    assert mailing.status == Mailing.Status.SENT
    assert sorted(MailingRecipient.objects.values_list("user__full_name", flat=True)) == [
        "Mia Mitglied",
        "Otto Ortsbeirat",
    ]


def test_the_progress_updates_itself_while_the_mailing_is_sent(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    mailing = Mailing.objects.create(
        subject="Kurzformat im Juni",
        body="Text",
        include=[{"segment": "members.heads"}],
        status=Mailing.Status.SENDING,
        recipient_count=3,
    )
    for number in range(3):
        address = f"leser{number}@kommune.example"
        outbound = OutboundEmail.objects.create(
            kind="portal/mailing", to=address, subject="s", body_text="t", language="de"
        )
        MailingRecipient.objects.create(
            mailing=mailing, email=address, language="de", outbound=outbound
        )
    log_in_browser(page, live_server, sender())

    page.goto(f"{live_server.url}/admin/portal/mailing/{mailing.pk}/change/")
    progress = page.locator("#mailing-progress")
    expect(progress.locator('[data-progress="remaining"]')).to_have_text("3")
    expect(progress).to_have_attribute("data-hx-trigger", "every 3s")

    OutboundEmail.objects.filter(to="leser0@kommune.example").update(status="sent")
    OutboundEmail.objects.filter(to="leser1@kommune.example").update(status="failed")

    expect(progress.locator('[data-progress="sent"]')).to_have_text("1", timeout=8000)
    expect(progress.locator('[data-progress="failed"]')).to_have_text("1")
    expect(progress.locator('[data-progress="remaining"]')).to_have_text("1")
    expect(page).to_have_url(re.compile(rf"/{mailing.pk}/change/$"))


def test_the_schedule_page_refuses_a_past_time_and_is_accessible(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    head = AffiliationFactory(role=Affiliation.Role.HEAD)
    MembershipFactory(organisation=head.organisation)
    mailing = Mailing.objects.create(
        subject="Einladung zum Spitzentreffen", body="Text", include=[{"segment": "members.heads"}]
    )
    log_in_browser(page, live_server, sender())

    page.goto(f"{live_server.url}/admin/portal/mailing/{mailing.pk}/schedule/")
    expect(page.locator(".mailing-count")).to_have_text("1 person gets this e-mail.")
    assert_accessible(page)
    page.get_by_label("Date").fill("2020-05-04")
    page.get_by_label("Time").fill("09:30")
    page.get_by_role("button", name="Schedule").click()

    expect(page.locator("#id_date_error")).to_have_text("Please choose a time in the future.")
    expect(page.get_by_label("Date")).to_have_value("2020-05-04")
    assert_accessible(page)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
