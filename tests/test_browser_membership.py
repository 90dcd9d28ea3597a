"""The whole way into the network, in Chromium with axe on every portal page."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import FilePayload, Page, expect
from pypdf import PdfWriter

from members.models import Application, Membership
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import StaffFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_municipality_checks_applies_is_approved_and_appears_in_the_network(
    page: Page, browser, browser_context_args, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    officer = UserFactory(full_name="Erika Engagiert", email="erika@guetersloh.example")
    log_in_browser(page, live_server, officer)

    # The self-check: all five criteria met.
    page.goto(live_server.url + "/mitmachen/selbstcheck/")
    assert_accessible(page)
    for choice in ("contact_person_0", "cross_cutting_task_0", "declaration_0"):
        page.locator(f"#id_{choice}").check()
    page.locator("#id_ehrenamtskarte_0").check()
    page.locator("#id_participation_0").check()
    can_apply = page.locator('#self-check-results [data-outcome="can_apply"]')
    expect(can_apply).to_be_visible()
    can_apply.locator('a[href="/antrag/neu/"]').click()

    # Choose the municipality from the register.
    expect(page.locator("h1")).to_have_count(1)
    page.locator("#id_q").fill("Gütersloh")
    page.locator("#authority-05754008").check()
    assert_accessible(page)
    page.locator('#search-results button[type="submit"]').click()

    # The evidence: the self-check's answers are already there.
    expect(page.locator("#id_willing_to_sign")).to_be_checked()
    expect(page.locator("#id_ehrenamtskarte_status_0")).to_be_checked()
    page.locator("#id_contact_office").fill("Ehrenamtsbüro")
    page.locator("#id_cross_cutting_task").fill(
        "Das Ehrenamtsbüro koordiniert die Engagementförderung in allen Fachbereichen."
    )
    assert_accessible(page)
    # Submitting with gaps names each next to its field; what was typed stays.
    page.locator('button[name="action"][value="submit"]').click()
    expect(page.locator("#id_signatory_name_error")).to_be_visible()
    expect(page.locator("#id_representative_name_error")).to_be_visible()
    expect(page.locator("#id_cross_cutting_task")).to_have_value(
        "Das Ehrenamtsbüro koordiniert die Engagementförderung in allen Fachbereichen."
    )
    assert_accessible(page)

    # Who signs, since when the card, who comes to the meetings; a document for criterion 2.
    page.locator("#id_signatory_name").fill("Dr. Norbert Beispiel")
    page.locator("#id_signatory_office").fill("Bürgermeister")
    page.locator("#id_ehrenamtskarte_since").fill("2016")
    page.locator("#id_representative_name").fill("Erika Engagiert")
    page.locator("#id_representative_office").fill("Ehrenamtsbüro")
    document: FilePayload = {
        "name": "ratsbeschluss.pdf",
        "mimeType": "application/pdf",
        "buffer": pdf(),
    }
    page.locator("#id_file_2").set_input_files(files=document)
    page.locator('button[name="action"][value="save"]').click()
    expect(page.locator('#criterion-2 [data-documents="2"]')).to_contain_text("ratsbeschluss.pdf")
    expect(page.locator("#criterion-4 [data-documents]")).to_have_count(0)
    assert_accessible(page)
    page.locator('button[name="action"][value="submit"]').click()
    expect(page.locator('[data-application-status="submitted"]')).to_be_visible()
    expect(page.locator("#criterion-2")).to_contain_text("ratsbeschluss.pdf")
    expect(page.locator("#criterion-3")).to_contain_text("Dr. Norbert Beispiel")
    assert_accessible(page)
    application = Application.objects.get()

    # Staff approve it in Django admin.
    staff_page = browser.new_context(**browser_context_args).new_page()
    log_in_browser(staff_page, live_server, StaffFactory())
    staff_page.goto(f"{live_server.url}/admin/members/application/{application.pk}/change/")
    expect(staff_page.locator("body")).to_contain_text("ratsbeschluss.pdf")
    staff_page.locator("#id_review_note").fill("Herzlich willkommen!")
    staff_page.locator('button[name="to_status"][value="approved"]').click()
    expect(staff_page.locator(".messagelist")).to_be_visible()
    assert Membership.objects.filter(organisation=application.organisation).exists()

    # The new member is in the directory and on the map, and its profile is public.
    page.goto(live_server.url + "/netzwerk/mitglieder/")
    member_link = page.locator('a[href="/netzwerk/mitglieder/05754008/"]')
    expect(member_link.first).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/netzwerk/karte/")
    expect(page.locator('svg a[href="/netzwerk/mitglieder/05754008/"]')).to_have_count(1)
    assert_accessible(page)
    page.locator('svg a[href="/netzwerk/mitglieder/05754008/"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Gütersloh")
    assert_accessible(page)

    # The officer's dashboard says so.
    page.goto(live_server.url + "/mein-bereich/")
    expect(page.locator('[data-membership="current"]')).to_be_visible()
