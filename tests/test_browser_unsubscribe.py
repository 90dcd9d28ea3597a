"""A member leaves a topic through the link of an information e-mail, then picks another topic
in the preferences and reads the mail again in the archive: in Chromium, with axe on each page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.mailings import letters
from portal.mailings.unsubscribe import list_unsubscribe_headers, unsubscribe_url
from portal.models import Mailing, MailingRecipient, Subscription, Topic, Unsubscribe
from portal.outbox.services import store_email
from tests.conftest import assert_accessible, log_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def deliver_mailing(mailing: Mailing, person) -> str:
    """Store the member's copy of the mailing as the outbox has it; return its unsubscribe URL."""
    subject, text, html = letters.render(
        mailing,
        email=person.email,
        language=person.language,
        topic_id=mailing.topic_id,
        recipient_name=person.get_full_name(),
    )
    outbound = store_email(
        kind="portal/mailing",
        to=person.email,
        subject=subject,
        body_text=text,
        body_html=html,
        language=person.language,
        related=mailing,
        headers=list_unsubscribe_headers(person.email, mailing.topic_id),
    )
    MailingRecipient.objects.create(
        mailing=mailing, email=person.email, user=person, language="de", outbound=outbound
    )
    assert unsubscribe_url(person.email, mailing.topic_id) in text
    return outbound.headers["List-Unsubscribe"].strip("<>")


def press_tab_until(page: Page, selector: str) -> None:
    """Move the keyboard focus forward until it rests on the element."""
    target = page.locator(selector)
    for _ in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_a_member_leaves_a_topic_by_link_and_picks_another_in_the_preferences(
    page: Page, live_server, contact_a, member_a
):
    short_formats = Topic.objects.create(name="Digitale Kurzformate", slug="kurzformate")
    funding = Topic.objects.create(name="Förderprogramme", slug="foerderung")
    Subscription.objects.create(user=contact_a, topic=short_formats)
    mailing = Mailing.objects.create(
        subject="Kurzformat im Mai: Ehrenamt digital",
        body="## Programm\n\nAm 12. Mai zeigen drei Kommunen ihre **digitalen** Angebote.",
        topic=short_formats,
        status=Mailing.Status.SENT,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        recipient_count=1,
    )
    link = deliver_mailing(mailing, contact_a)
    assert link.startswith(settings.PORTAL_BASE_URL)

    # The link in the mail, opened in the browser (without being logged in).
    page.goto(live_server.url + link.removeprefix(settings.PORTAL_BASE_URL))
    expect(page.locator("[data-unsubscribe]")).to_have_attribute("data-unsubscribe", "confirm")
    expect(page.locator("[data-unsubscribe-what]")).to_contain_text("Digitale Kurzformate")
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    assert not Unsubscribe.objects.exists()

    press_tab_until(page, '#unsubscribe-form button[type="submit"]')
    page.keyboard.press("Enter")
    expect(page.locator("[data-unsubscribe]")).to_have_attribute("data-unsubscribe", "done")
    assert_accessible(page)
    row = Unsubscribe.objects.get()
    assert (row.email, row.topic, row.source) == (
        contact_a.email,
        short_formats,
        Unsubscribe.Source.LINK,
    )

    # Logged in, the member chooses the funding news instead.
    log_in_browser(page, live_server, contact_a)
    page.locator("[data-preferences-link]").click()
    expect(page).to_have_url(re.compile(r"/mein-bereich/e-mail-einstellungen/$"))
    assert_accessible(page)
    expect(page.get_by_label("Digitale Kurzformate")).not_to_be_checked()
    page.get_by_label("Förderprogramme").check()
    page.locator('#preferences-form button[type="submit"]').click()
    expect(page.locator(".messages .kern-alert--success")).to_be_visible()
    expect(page.get_by_label("Förderprogramme")).to_be_checked()
    expect(page.get_by_label("Digitale Kurzformate")).not_to_be_checked()
    assert_accessible(page)
    assert Subscription.objects.filter(user=contact_a, topic=funding).exists()
    assert Unsubscribe.objects.filter(email=contact_a.email, topic=short_formats).exists()

    # The mail stays readable in the members' archive.
    page.locator("[data-archive-link]").click()
    expect(page.locator(f'[data-mailing="{mailing.pk}"]')).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=mailing.subject).click()
    expect(page.locator("h1")).to_have_text(mailing.subject)
    expect(page.locator("[data-mailing-body] strong")).to_have_text("digitalen")
    assert_accessible(page)
