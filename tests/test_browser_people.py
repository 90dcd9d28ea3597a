"""The municipality's own pages in Chromium, with axe-core on every state the user sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from members.models import Affiliation, Invitation, PracticeExample, Profile
from portal.models import OutboundEmail
from tests.conftest import assert_accessible, log_in_browser
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_invites_a_colleague_who_accepts(page: Page, live_server, contact_a):
    log_in_browser(page, live_server, contact_a)
    page.goto(live_server.url + "/kommune/personen/")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator(f"#person-{contact_a.affiliation.pk}")).to_be_visible()
    assert_accessible(page)

    # A typing error first: the message sits next to the field and the entry stays.
    form = page.locator("#invite-form")
    form.locator("#id_email").fill("kollegin@kommune")
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    expect(page.locator("#id_email")).to_have_value("kollegin@kommune")
    assert_accessible(page)

    page.locator("#id_email").fill("kollegin@kommune.example")
    page.locator("#invite-form input[name=role][value=colleague]").check()
    page.locator("#invite-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/kommune/personen/$"))
    expect(page.locator(".kern-alert--success")).to_be_visible()
    invitation = Invitation.objects.get(email="kollegin@kommune.example")
    expect(page.locator(f"#invitation-{invitation.pk}")).to_be_visible()
    assert_accessible(page)

    mail = OutboundEmail.objects.get(to="kollegin@kommune.example")
    assert mail.status == OutboundEmail.Status.SENT
    link = re.search(r"/einladung/[^/\s]+/", mail.body_text)
    assert link, mail.body_text

    colleague = UserFactory(email="kollegin@kommune.example")
    page.context.clear_cookies()
    log_in_browser(page, live_server, colleague)
    page.goto(live_server.url + link.group(0))
    expect(page.locator("#accept-form")).to_be_visible()
    assert_accessible(page)
    page.locator("#accept-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mein-bereich/$"))
    assert_accessible(page)
    affiliation = Affiliation.objects.get(user__email=colleague.email)
    assert affiliation.role == Affiliation.Role.COLLEAGUE
    assert affiliation.organisation == contact_a.affiliation.organisation

    # A colleague sees the list and may leave, after a confirmation page.
    page.goto(live_server.url + "/kommune/personen/")
    expect(page.locator("#invite-form")).to_have_count(0)
    page.locator("#leave-link").click()
    expect(page.locator("#confirm-form")).to_be_visible()
    assert_accessible(page)


def test_a_contact_edits_the_profile_and_adds_a_practice_example(
    page: Page, live_server, contact_a, colleague_a
):
    log_in_browser(page, live_server, contact_a)
    page.goto(live_server.url + "/kommune/profil/")
    expect(page.locator("#profile-form")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_introduction").fill("Wir fördern <b>Engagement</b> in allen Ortsteilen.")
    page.locator("#id_coordination_office").fill("Ehrenamtsbüro im Rathaus")
    page.locator("input[name=ehrenamtskarte][value=participating]").check()
    page.locator("#id_website").fill("kein link")
    page.locator("#profile-form button[type=submit]").click()
    expect(page.locator("#id_website_error")).to_be_visible()
    expect(page.locator("#id_coordination_office")).to_have_value("Ehrenamtsbüro im Rathaus")
    assert_accessible(page)

    page.locator("#id_website").fill("www.kommune.example/ehrenamt")
    page.locator("#profile-form button[type=submit]").click()
    expect(page.locator(".kern-alert--success")).to_be_visible()
    profile = Profile.objects.get()
    assert profile.website == "https://www.kommune.example/ehrenamt"
    assert profile.introduction == "Wir fördern <b>Engagement</b> in allen Ortsteilen."
    assert profile.ehrenamtskarte == Profile.Ehrenamtskarte.PARTICIPATING
    assert_accessible(page)

    # Consent to be shown as public contact.
    page.locator("#id_consent").check()
    page.locator("#id_office").fill("Koordinatorin Ehrenamt")
    page.locator("#public-contact-form button[type=submit]").click()
    expect(page.locator("#public-contact-list")).to_be_visible()
    assert Affiliation.objects.get(user=contact_a).public_contact_since is not None
    assert_accessible(page)

    # A practice example: the image description is asked for only with an image.
    page.locator("#practice-create-link").click()
    expect(page.locator("#practice-form")).to_be_visible()
    assert_accessible(page)
    page.locator("#practice-form button[type=submit]").click()
    expect(page.locator("#id_title_error")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_title").fill("Engagementbörse")
    page.locator("#id_text").fill("Vereine und Initiativen stellen sich vor.")
    page.locator("#practice-form button[type=submit]").click()
    example = PracticeExample.objects.get()
    expect(page.locator(f"#practice-{example.pk}")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + f"/kommune/profil/praxisbeispiele/{example.pk}/loeschen/")
    expect(page.locator("#confirm-form")).to_be_visible()
    assert_accessible(page)

    # The colleague reads the profile, with the text shown as text.
    page.context.clear_cookies()
    log_in_browser(page, live_server, colleague_a)
    page.goto(live_server.url + "/kommune/profil/")
    expect(page.locator("#profile-form")).to_have_count(0)
    expect(page.locator("#profile-details")).to_contain_text("<b>Engagement</b>")
    assert_accessible(page)
