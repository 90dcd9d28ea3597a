"""An invited head of administration, from the link in the mail to the signed declaration,
without a detour: register, confirm the address, land in the municipality, sign. Chromium with
axe on every page of the way."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from declarations.models import Signature
from members.models import Affiliation, Application, Authority, Invitation
from members.people.services import invite
from portal.models import OutboundEmail
from tests.conftest import assert_accessible
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]

PASSWORD = "Gutes-Passwort-2027!"


def link_in(kind: str, to: str, pattern: str) -> str:
    mail = OutboundEmail.objects.get(kind=kind, to=to)
    match = re.search(pattern, mail.body_text)
    assert match, mail.body_text
    return match.group(0)


def test_an_invited_head_goes_from_the_mail_link_to_the_signed_declaration(page: Page, live_server):
    organisation = OrganisationFactory.create(authority=Authority.objects.get(ags="05754008"))
    application = ApplicationFactory(organisation=organisation, status=Application.Status.APPROVED)
    MembershipFactory(
        organisation=organisation, application=application, since=timezone.localdate()
    )
    contact = AffiliationFactory.create(
        organisation=organisation, role=Affiliation.Role.CONTACT
    ).user
    invite(organisation, contact, "buergermeister@guetersloh.example", Affiliation.Role.HEAD)

    # The link in the invitation mail: what it is, and how to go on without an account.
    invitation_path = link_in(
        "members/invitation", "buergermeister@guetersloh.example", r"/einladung/[^/\s]+/"
    )
    page.goto(live_server.url + invitation_path)
    expect(page.locator("#invitation-organisation")).to_contain_text("Gütersloh")
    assert_accessible(page)
    page.locator("#invitation-account-choice a").first.click()

    # Sign up: the address is filled in already.
    expect(page.locator("#id_email")).to_have_value("buergermeister@guetersloh.example")
    page.locator("#id_full_name").fill("Norbert Beispiel")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    assert_accessible(page)
    page.locator('form[action="/konto/signup/"] button[type="submit"]').click()
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)

    # The confirmation link, opened in the same browser, logs in and accepts the invitation.
    confirm_path = link_in(
        "account/email_confirmation_signup",
        "buergermeister@guetersloh.example",
        r"/konto/confirm-email/[^/\s]+/",
    )
    page.goto(live_server.url + confirm_path)
    assert_accessible(page)
    page.locator('form[action*="/konto/confirm-email/"] button[type="submit"]').click()

    expect(page).to_have_url(live_server.url + "/mein-bereich/")
    welcome = page.locator(".messages .kern-alert--success").filter(has_text="Willkommen")
    expect(welcome).to_contain_text("Gütersloh")
    card = page.locator('[data-declaration="may_sign"]')
    expect(card).to_be_visible()
    assert_accessible(page)
    head = Affiliation.objects.get(user__email="buergermeister@guetersloh.example")
    assert head.role == Affiliation.Role.HEAD
    assert head.organisation == organisation
    assert Invitation.objects.get().accepted_by == head.user

    # Straight on to the signature.
    card.locator('a[href="/erklaerung/unterzeichnen/"]').click()
    expect(page.locator("#id_signatory_name")).to_have_value("Norbert Beispiel")
    page.locator("#id_signatory_office").fill("Bürgermeister")
    page.locator("#id_signed_on").fill(timezone.localdate().isoformat())
    page.locator("#id_authorisation_confirmed").check()
    assert_accessible(page)
    page.locator('form[enctype] button[type="submit"]').click()
    expect(page.locator("[data-pdf]")).to_be_visible()
    assert_accessible(page)
    signature = Signature.objects.get()
    assert signature.organisation == organisation
    assert signature.submitted_by == head.user
