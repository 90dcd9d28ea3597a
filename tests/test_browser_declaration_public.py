"""The public declaration pages in Chromium: axe on the list and the verification page."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from declarations.models import PartnerSignatory
from members.models import Authority
from tests.conftest import assert_accessible
from tests.factories import (
    DeclarationVersionFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "ABCD-EFGH-JKMN"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


@pytest.fixture
def signatures(live_server, settings, tmp_path):
    """Two signatures of the current version (one with its PDF), one of an older version."""
    settings.MEDIA_ROOT = tmp_path / "media"
    ahlen = OrganisationFactory(authority=Authority.objects.get(ags="05570004"))
    MembershipFactory(organisation=ahlen)
    beckum = OrganisationFactory(authority=Authority.objects.get(ags="05570008"))
    signed = SignatureFactory(
        organisation=ahlen,
        verification_code=CODE,
        signatory_name="Dr. Alexander Berger",
        signatory_office="Bürgermeister",
    )
    signed.pdf.save(f"{CODE}.pdf", ContentFile(PDF), save=False)
    signed.pdf_sha256 = hashlib.sha256(PDF).hexdigest()
    signed.save()
    SignatureFactory(organisation=beckum, signed_on=datetime.date(2026, 6, 5))
    older = DeclarationVersionFactory(label="2020", published_on=datetime.date(2020, 9, 1))
    PartnerSignatory.objects.create(version=older, kind="state", name="Land Nordrhein-Westfalen")
    SignatureFactory(organisation=ahlen, version=older, signed_on=datetime.date(2020, 10, 1))
    return signed


def test_the_list_of_signatories_passes_axe(page: Page, live_server, signatures):
    page.goto(live_server.url + "/erklaerung/unterzeichner/")

    sections = page.locator("section[data-version]")
    expect(sections).to_have_count(2)
    expect(sections.nth(0)).to_have_attribute("data-version", "2026")
    expect(sections.nth(0).locator("[data-signatures] tbody tr")).to_have_count(2)
    expect(sections.nth(0).locator("[data-partners] tbody tr")).to_have_count(5)
    expect(sections.nth(1).locator("[data-signatures] tbody tr")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)

    page.locator("#signatories-versions a").nth(1).click()
    expect(page).to_have_url(re.compile(r"#version-\d+$"))


def test_a_code_typed_by_keyboard_leads_to_its_page_where_a_file_is_compared(
    page: Page, live_server, signatures
):
    page.goto(live_server.url + "/erklaerung/pruefen/")
    assert_accessible(page)

    page.locator("#id_code").focus()
    page.keyboard.type("abcd efgh jkmp")  # a typo: no such code
    page.keyboard.press("Enter")
    expect(page.locator("#id_code_error")).to_be_visible()
    expect(page.locator("#id_code")).to_have_value("abcd efgh jkmp")
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.locator("#id_code").fill("")
    page.keyboard.type("abcd efgh jkmn")
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url + f"/erklaerung/pruefen/{CODE}/")
    expect(page.locator("#verify-status")).to_have_attribute("data-status", "valid")
    expect(page.locator("#verify-facts [data-signatory]")).to_contain_text("Dr. Alexander Berger")
    digest = hashlib.sha256(PDF).hexdigest()
    expect(page.locator("#verify-stored-sha256")).to_have_attribute("data-sha256", digest)
    assert_accessible(page)

    page.locator("#id_document").set_input_files(
        {"name": "erklaerung.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#verify-compare-form button[type=submit]").click()
    expect(page.locator("#verify-verdict")).to_have_attribute("data-verdict", "identical")
    expect(page.locator("#verify-upload-sha256")).to_have_attribute("data-sha256", digest)
    assert_accessible(page)

    altered = bytearray(PDF)
    altered[-10] ^= 0x20
    page.locator("#id_document").set_input_files(
        {"name": "erklaerung.pdf", "mimeType": "application/pdf", "buffer": bytes(altered)}
    )
    page.locator("#verify-compare-form button[type=submit]").click()
    expect(page.locator("#verify-verdict")).to_have_attribute("data-verdict", "differs")
    assert_accessible(page)

    page.locator("#id_document").set_input_files(
        {"name": "notiz.pdf", "mimeType": "application/pdf", "buffer": b"kein PDF"}
    )
    page.locator("#verify-compare-form button[type=submit]").click()
    expect(page.locator("#id_document_error")).to_be_visible()
    expect(page.locator("#verify-verdict")).to_have_count(0)
    assert_accessible(page)
