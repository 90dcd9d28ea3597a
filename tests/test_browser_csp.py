"""The Content-Security-Policy in Chromium: the main pages, htmx and Django admin run under it
without a single violation.

The other browser tests switch the CSP off (axe-core is injected as a script); these tests open
their own browser context that keeps it, record every `securitypolicyviolation` event and
every console message about the policies, and fail on any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from meetings.models import Event, Registration
from portal.models import Mailing
from tests.conftest import log_in_browser
from tests.factories import EventFactory, MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before the page's own scripts; the page's CSP does not apply to it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


class StrictPage:
    """A page with the portal's CSP in force that remembers what the browser refused."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if any(word in message.text for word in POLICY_WORDS):
            self.console.append(f"{message.type}: {message.text}")

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == 200, f"{path} answered {response.status}"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("load")
        self.assert_clean(path)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [], f"CSP violations on {where}: {violations}"
        assert self.console == [], f"policy messages on {where}: {self.console}"


@pytest.fixture
def strict(browser: Browser, live_server) -> Iterator[StrictPage]:
    context = browser.new_context(locale="de-DE", bypass_csp=False)
    context.add_init_script(RECORD_VIOLATIONS)
    try:
        yield StrictPage(context.new_page(), live_server.url)
    finally:
        context.close()


def test_public_pages_and_the_self_check_run_without_a_violation(strict):
    MembershipFactory(organisation=OrganisationFactory())
    EventFactory(audience=Event.Audience.OPEN)
    for path in [
        "/",
        "/mitmachen/",
        "/netzwerk/mitglieder/",
        "/netzwerk/karte/",
        "/veranstaltungen/",
        "/konto/login/",
        "/mitmachen/selbstcheck/",
    ]:
        strict.visit(path)

    # htmx works under the policy: an answer brings the verdict without a page load.
    page = strict.page
    page.locator("#id_contact_person_1").check()
    expect(page.locator('#self-check-results [data-criterion="contact_person"]')).to_have_attribute(
        "data-verdict", "not_met"
    )
    expect(page).to_have_url(re.compile(r"/mitmachen/selbstcheck/$"))
    strict.assert_clean("the self-check after an htmx answer")


def test_a_member_registers_with_htmx_without_a_violation(strict, live_server, contact_a, member_a):
    event = EventFactory()
    circular = Mailing.objects.create(
        subject="Neues aus dem Netzwerk",
        body="Mehr im [Wissensbereich](https://example.org/).",
        status=Mailing.Status.SENT,
        in_archive=True,
        finished_at=timezone.now(),
    )
    log_in_browser(strict.page, live_server, contact_a)
    strict.visit("/mein-bereich/")
    # Mailings carry inline link styles for mail programs; their web version must not.
    strict.visit(f"/mein-bereich/rundschreiben/{circular.pk}/")
    strict.visit(f"/veranstaltungen/{event.pk}/")

    strict.page.locator('#register-form button[type="submit"]').click()
    expect(strict.page.locator("[data-registered]")).to_have_attribute(
        "data-registered", "confirmed"
    )
    expect(strict.page).to_have_url(re.compile(rf"/veranstaltungen/{event.pk}/$"))
    strict.assert_clean("the event page after registering")
    assert Registration.objects.filter(user=contact_a, event=event).exists()


def test_admin_pages_run_without_a_violation(strict, live_server, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    event = EventFactory()
    membership = MembershipFactory(organisation=OrganisationFactory())
    log_in_browser(strict.page, live_server, staff_user)

    strict.visit("/admin/")
    # A change form with a <style> block marked with the nonce, and one with autocomplete
    # widgets (jQuery and select2).
    strict.visit(f"/admin/meetings/event/{event.pk}/change/")
    strict.visit(f"/admin/members/membership/{membership.pk}/change/")
    strict.visit("/admin/members/membership/add/")
    page = strict.page
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill(membership.organisation.authority.name)
    expect(page.locator(".select2-results__option").first).to_contain_text(
        membership.organisation.authority.name
    )
    strict.assert_clean("the membership form after an autocomplete search")

    # The check-in at the door uses htmx inside admin: typing filters the list in place.
    strict.visit(f"/admin/meetings/event/{event.pk}/checkin/")
    page.locator("#checkin-q").press_sequentially("nobody", delay=20)
    expect(page.locator("#checkin-matches")).to_contain_text("0")
    expect(page).to_have_url(re.compile(r"\?q=nobody$"))
    strict.assert_clean("the check-in after an htmx search")


def test_the_mailing_preview_shows_the_styled_mail_without_a_violation(
    strict, live_server, staff_user, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    mailing = Mailing.objects.create(
        subject="Einladung", body="Hallo **alle**, [mehr](https://example.org/)."
    )
    log_in_browser(strict.page, live_server, staff_user)

    strict.visit(f"/admin/portal/mailing/{mailing.pk}/change/")
    # While it is sent, the form shows the progress, refreshed by htmx.
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)
    strict.visit(f"/admin/portal/mailing/{mailing.pk}/change/")
    with strict.page.expect_response(re.compile(rf"/{mailing.pk}/progress/")):
        pass
    strict.assert_clean("the mailing while its progress refreshes")
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.DRAFT)
    strict.visit(f"/admin/portal/mailing/{mailing.pk}/preview/")
    # The mail's own inline styles apply inside the preview, as in a mail program.
    frame = strict.page.frame_locator("#mailing-html")
    expect(frame.locator("body")).to_have_css("background-color", "rgb(243, 244, 247)")
    strict.assert_clean("the mailing preview")


def test_the_recorder_sees_what_the_policy_refuses(strict):
    """Guards the tests above against passing blindly: an inline style and an inline script
    added to a page are refused by the browser and reported."""
    strict.visit("/")
    strict.page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">styled</p>');
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
        }"""
    )
    expect(strict.page.locator("p", has_text="styled")).not_to_have_css("color", "rgb(255, 0, 0)")
    strict.page.wait_for_function("window.__cspViolations.length >= 2")
    directives = strict.page.evaluate("window.__cspViolations.map((v) => v.split(' ')[0])")
    assert sorted(directives) == ["script-src-elem", "style-src-attr"]
    assert strict.page.evaluate("window.__inlineRan === undefined")
