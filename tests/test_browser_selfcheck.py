"""The self-check in Chromium: by keyboard alone with live verdicts, and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATH = "/mitmachen/selbstcheck/"


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page: Page, control_id: str, limit: int = 40) -> None:
    """Press Tab until the control has the focus, as someone using the keyboard would."""
    for _ in range(limit):
        if focused_id(page) == control_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{control_id} never got the focus; stopped at #{focused_id(page)}")


def verdict_of(page: Page, key: str):
    return page.locator(f'#self-check-results [data-criterion="{key}"]')


def test_the_self_check_is_completed_by_keyboard_with_live_verdicts(page: Page, live_server):
    page.goto(live_server.url + PATH)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("#self-check-results")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#self-check-results [data-verdict]")).to_have_count(5)
    assert_accessible(page)

    # Skip the navigation, then into the first question.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, "id_contact_person_0")

    # 1: "No" first (arrow keys move through a radio group and select), then back to "Yes".
    page.keyboard.press("ArrowRight")
    expect(page.locator("#id_contact_person_1")).to_be_checked()
    expect(verdict_of(page, "contact_person")).to_have_attribute("data-verdict", "not_met")
    expect(page.locator('#self-check-results [data-outcome="not_yet"]')).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#id_contact_person_0")).to_be_checked()
    expect(verdict_of(page, "contact_person")).to_have_attribute("data-verdict", "met")
    expect(page.locator('#self-check-results [data-outcome="incomplete"]')).to_be_visible()

    # 2 and 3: Tab to the next group, Space selects its first answer, "Yes".
    for key in ["cross_cutting_task", "declaration"]:
        page.keyboard.press("Tab")
        expect(page.locator(f"#id_{key}_0")).to_be_focused()
        page.keyboard.press("Space")
        expect(page.locator(f"#id_{key}_0")).to_be_checked()
        expect(verdict_of(page, key)).to_have_attribute("data-verdict", "met")

    # 4: the Ehrenamtskarte is planned.
    page.keyboard.press("Tab")
    expect(page.locator("#id_ehrenamtskarte_0")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_ehrenamtskarte_1")).to_be_checked()
    expect(verdict_of(page, "ehrenamtskarte")).to_have_attribute("data-verdict", "met")
    expect(verdict_of(page, "participation")).to_have_attribute("data-verdict", "unanswered")

    # 5: the last one, and the municipality can apply.
    page.keyboard.press("Tab")
    expect(page.locator("#id_participation_0")).to_be_focused()
    page.keyboard.press("Space")
    expect(verdict_of(page, "participation")).to_have_attribute("data-verdict", "met")

    can_apply = page.locator('#self-check-results [data-outcome="can_apply"]')
    expect(can_apply).to_be_visible()
    expect(can_apply.locator('a[href="/antrag/neu/"]')).to_be_visible()
    expect(page.locator('#self-check-results [data-verdict="met"]')).to_have_count(5)
    # The live update left the focus where it was and the page in one piece.
    expect(page.locator("#id_participation_0")).to_be_focused()
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)

    # On from the last answer: the button, then the way to the application.
    page.keyboard.press("Tab")
    expect(page.locator("#self-check-form button[type=submit]")).to_be_focused()
    page.keyboard.press("Tab")
    expect(can_apply.locator('a[href="/antrag/neu/"]')).to_be_focused()


def test_the_self_check_works_without_javascript(browser, browser_context_args, live_server):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + PATH)
        expect(page.locator("h1")).to_have_count(1)
        expect(page.locator("#self-check-results [data-verdict='unanswered']")).to_have_count(5)

        # Everything met but the declaration: the list says what is missing.
        page.locator("#id_contact_person_0").check()
        page.locator("#id_cross_cutting_task_0").check()
        page.locator("#id_declaration_1").check()
        page.locator("#id_ehrenamtskarte_2").check()
        page.locator("#id_participation_0").check()
        # Without JavaScript, choosing an answer changes nothing until the form is sent.
        expect(verdict_of(page, "contact_person")).to_have_attribute("data-verdict", "unanswered")
        page.locator("#self-check-form button[type=submit]").click()

        expect(page).to_have_url(live_server.url + PATH)
        expect(page.locator("h1")).to_have_count(1)
        expect(verdict_of(page, "declaration")).to_have_attribute("data-verdict", "not_met")
        expect(page.locator('[data-outcome="not_yet"]')).to_be_visible()
        expect(page.locator('[data-outcome="not_yet"] a[href="/mitmachen/"]')).to_be_visible()
        expect(page.locator("#id_declaration_1")).to_be_checked()

        # The head of administration has decided to sign.
        page.locator("#id_declaration_0").check()
        page.locator("#self-check-form button[type=submit]").click()
        expect(page.locator('#self-check-results [data-verdict="met"]')).to_have_count(5)
        can_apply = page.locator('[data-outcome="can_apply"]')
        expect(can_apply).to_be_visible()
        expect(can_apply.locator('a[href="/antrag/neu/"]')).to_be_visible()

        # The answers are kept for the application (and shown again).
        page.goto(live_server.url + PATH)
        expect(page.locator("#id_ehrenamtskarte_2")).to_be_checked()
        expect(page.locator('[data-outcome="can_apply"]')).to_be_visible()
    finally:
        context.close()
