"""Signing the Gemeinsame Erklärung in Chromium, with axe on every page on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from declarations.models import Signature
from declarations.tasks import render_signature_pdf
from members.models import Affiliation, Application, Authority
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


def approved_municipality(ags: str):
    """A municipality whose application staff have just approved: it is a member now."""
    organisation = OrganisationFactory(authority=Authority.objects.get(ags=ags))
    application = ApplicationFactory(organisation=organisation, status=Application.Status.APPROVED)
    MembershipFactory(
        organisation=organisation, application=application, since=timezone.localdate()
    )
    return organisation


def test_the_head_of_an_approved_municipality_signs_downloads_and_checks_the_declaration(
    page: Page, live_server
):
    organisation = approved_municipality("05754008")  # Gütersloh
    head = AffiliationFactory(
        organisation=organisation,
        role=Affiliation.Role.HEAD,
        office="Bürgermeister",
        user__full_name="Norbert Beispiel",
    ).user
    log_in_browser(page, live_server, head)

    # The dashboard asks for the signature.
    page.goto(live_server.url + "/mein-bereich/")
    card = page.locator('[data-declaration="may_sign"]')
    expect(card).to_be_visible()
    assert_accessible(page)

    # The declaration itself, with the call to sign.
    page.goto(live_server.url + "/erklaerung/")
    expect(page.locator('[data-standing="may_sign"]')).to_be_visible()
    assert_accessible(page)
    page.locator('a[href="/erklaerung/unterzeichnen/"]').click()

    # The form knows the head: name, office, place and today; the box is ticked.
    expect(page.locator("#id_signatory_name")).to_have_value("Norbert Beispiel")
    expect(page.locator("#id_signatory_office")).to_have_value("Bürgermeister")
    expect(page.locator("#id_place")).to_have_value("Gütersloh")
    expect(page.locator("#id_signed_on")).to_have_value(timezone.localdate().isoformat())
    expect(page.locator("#id_authorisation_confirmed")).to_be_checked()
    assert_accessible(page)

    # A date before the version was published is refused next to the field.
    page.locator("#id_signed_on").fill("2026-05-01")
    page.locator('form[enctype] button[type="submit"]').click()
    expect(page.locator("#id_signed_on_error")).to_be_visible()
    expect(page.locator("#id_signatory_name")).to_have_value("Norbert Beispiel")
    assert_accessible(page)
    assert not Signature.objects.exists()

    page.locator("#id_signed_on").fill(timezone.localdate().isoformat())
    page.locator('form[enctype] button[type="submit"]').click()

    # The signature page: the PDF is made on commit and appears (at once or by the poll).
    expect(page.locator(".messages .kern-alert--success")).to_be_visible()
    expect(page.locator('[data-pdf="ready"]')).to_be_visible(timeout=20_000)
    assert_accessible(page)
    signature = Signature.objects.get()
    assert signature.organisation == organisation
    assert signature.submitted_by == head
    assert signature.authorisation_confirmed

    with page.expect_download() as download_info:
        page.locator(f'a[href="/erklaerung/unterschrift/{signature.pk}/pdf/"]').click()
    download = download_info.value
    assert download.suggested_filename == "Gemeinsame-Erklaerung-2026-Guetersloh.pdf"
    downloaded = Path(download.path()).read_bytes()
    signature.refresh_from_db()
    with signature.pdf.open("rb") as stored:
        assert downloaded == stored.read()
    assert downloaded.startswith(b"%PDF-")

    # The verification page confirms the code and that the downloaded file is the original.
    page.locator(f'a[href="/erklaerung/pruefen/{signature.verification_code}/"]').click()
    expect(page.locator("#verify-status")).to_have_attribute("data-status", "valid")
    page.locator('#verify-compare-form input[type="file"]').set_input_files(download.path())
    page.locator('#verify-compare-form button[type="submit"]').click()
    expect(page.locator("#verify-verdict")).to_have_attribute("data-verdict", "identical")
    assert_accessible(page)

    # Back in the dashboard, the signature is shown.
    page.goto(live_server.url + "/mein-bereich/")
    expect(page.locator('[data-declaration="signed"]')).to_be_visible()


def test_the_signature_page_shows_the_download_when_the_pdf_is_ready(
    page: Page, live_server, monkeypatch
):
    monkeypatch.setattr("declarations.pdf.render_signature", lambda signature: b"%PDF-1.7 test")
    organisation = approved_municipality("05515000")
    contact = AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT).user
    SignatureFactory(organisation=organisation, submitted_by=contact)
    signature = Signature.objects.get(organisation=organisation)
    log_in_browser(page, live_server, contact)

    page.goto(f"{live_server.url}/erklaerung/unterschrift/{signature.pk}/")
    expect(page.locator('[data-pdf="preparing"]')).to_be_visible()
    assert_accessible(page)

    # The worker finishes; the page's poll (every 2 s) brings the link without a reload.
    render_signature_pdf(signature.pk)
    expect(page.locator('[data-pdf="ready"]')).to_be_visible(timeout=10_000)
    expect(page.locator(f'a[href="/erklaerung/unterschrift/{signature.pk}/pdf/"]')).to_be_visible()
    assert_accessible(page)
