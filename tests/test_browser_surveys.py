"""A contact person answers a survey with the keyboard only: a missing answer, a draft, a
reload and the submission, in Chromium with axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from members.models import Survey, SurveyResponse
from members.surveys import services as surveys
from portal.models import OutboundEmail
from tests.conftest import assert_accessible, log_in_browser
from tests.test_surveys import OFFICERS, SurveyFactory, add_questions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_contact_answers_a_survey_by_keyboard_saves_a_draft_and_submits(
    page: Page, live_server, contact_a, member_a
):
    SurveyFactory(audience=OFFICERS, title="Umfrage zur Engagementförderung")
    survey = Survey.objects.get()
    questions = add_questions(survey)
    single, multiple, scale, text = (
        f'[name="question_{questions[kind].pk}"]'
        for kind in ("single", "multiple", "scale", "text")
    )
    log_in_browser(page, live_server, contact_a)

    page.goto(live_server.url + "/mein-bereich/")
    panel = page.locator("[data-surveys-panel]")
    expect(panel.get_by_role("link", name="Umfrage zur Engagementförderung")).to_be_visible()
    assert_accessible(page)
    tab_to(page, f"[data-surveys-panel] a[href$='/befragungen/{survey.pk}/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/mein-bereich/befragungen/{survey.pk}/$"))
    assert_accessible(page)

    # Single choice: Space chooses the first answer, the arrow key moves on to "Nein".
    tab_to(page, single)
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    # Multiple choice: the second box.
    tab_to(page, f"{multiple}[value='Workshops']")
    page.keyboard.press("Space")
    # The scale is left open for now; the text is optional.
    tab_to(page, text)
    page.keyboard.type("Mehr digitale Kurzformate")
    tab_to(page, "button[value='submit']")
    page.keyboard.press("Enter")

    # The missing scale value is named next to its question; nothing typed is lost.
    expect(page.locator("[data-form-errors]")).to_be_visible()
    expect(page.locator(f"#id_question_{questions['scale'].pk}_error")).to_be_visible()
    expect(page.locator(f"{single}[value='Nein']")).to_be_checked()
    expect(page.locator(f"{multiple}[value='Workshops']")).to_be_checked()
    expect(page.locator(text)).to_have_value("Mehr digitale Kurzformate")
    assert not SurveyResponse.objects.exists()
    assert_accessible(page)

    # The scale: the arrow keys walk along the row from 1 to 4.
    tab_to(page, scale)
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"{scale}[value='4']")).to_be_checked()
    tab_to(page, "button[value='draft']")
    page.keyboard.press("Enter")

    expect(page.locator("[data-draft]")).to_be_visible()
    assert_accessible(page)
    response = SurveyResponse.objects.get(survey=survey)
    assert response.status == SurveyResponse.Status.DRAFT
    assert surveys.answers_of(response) == {
        questions["single"].pk: "Nein",
        questions["multiple"].pk: ["Workshops"],
        questions["scale"].pk: 4,
        questions["text"].pk: "Mehr digitale Kurzformate",
    }

    page.reload()
    expect(page.locator(f"{scale}[value='4']")).to_be_checked()
    expect(page.locator(text)).to_have_value("Mehr digitale Kurzformate")
    tab_to(page, "button[value='submit']")
    page.keyboard.press("Enter")

    expect(page.locator('[data-notice="submitted"]')).to_be_visible()
    expect(page.locator("[data-survey-form]")).to_have_count(0)
    expect(page.locator(f'[data-answer="{questions["text"].pk}"]')).to_have_text(
        "Mehr digitale Kurzformate"
    )
    assert_accessible(page)
    response.refresh_from_db()
    assert response.status == SurveyResponse.Status.SUBMITTED
    assert OutboundEmail.objects.filter(kind="members/survey_submitted", to=contact_a.email)

    page.goto(live_server.url + "/mein-bereich/befragungen/")
    expect(page.locator(f'[data-survey="{survey.pk}"] [data-status]')).to_have_attribute(
        "data-status", "submitted"
    )
    assert_accessible(page)
