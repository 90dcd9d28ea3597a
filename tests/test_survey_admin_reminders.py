"""Online surveys in Django admin: non-responders and reminders, and a survey built and read
in the browser."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from members.models import Survey
from portal.models import OutboundEmail
from tests.factories import SurveyFactory
from tests.support import survey_admin
from tests.support.survey_admin import (
    DRAFT,
    EDITOR,
    SURVEYS,
    ChoiceQuestionFactory,
    member_with_contact,
    respond,
    staff_with,
    tables_of,
    texts,
    url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/survey_admin.py that these tests ask for by name.
editor_client = survey_admin.editor_client


# --- Non-responders and reminders -------------------------------------------------------------


@pytest.fixture
def half_answered():
    """An open survey: one municipality submitted, one has a draft, one has not begun."""
    survey = SurveyFactory()
    question = ChoiceQuestionFactory(survey=survey)
    done, done_contact = member_with_contact("Doris Fertig")
    drafting, drafting_contact = member_with_contact("Dieter Entwurf")
    _, silent_contact = member_with_contact("Sabine Still")
    respond(survey, done, done_contact, {question: "Ja"})
    respond(survey, drafting, drafting_contact, {question: "Nein"}, status=DRAFT)
    return survey, [drafting_contact, silent_contact], done_contact


def test_the_non_responders_are_listed_with_their_people(editor_client, half_answered):
    survey, waiting, done = half_answered
    response = editor_client.get(url(survey, "non-responders/"))
    page = response.content.decode()
    assert 'data-count="2"' in page
    assert "2 of 3 expected respondents have not submitted a response yet." in page
    rows = tables_of(response).tables["non-responders"]["rows"]
    assert len(rows) == 3  # the header and two municipalities
    listed = " ".join(" ".join(row) for row in rows)
    for person in waiting:
        assert person.email in listed
        assert person.full_name in listed
        assert person.affiliation.organisation.authority.name in listed
    assert done.email not in listed
    assert f'href="{url(survey, "remind/")}"' in page


def test_a_reminder_is_confirmed_first(editor_client, half_answered):
    survey, _, _ = half_answered
    page = editor_client.get(url(survey, "remind/")).content.decode()
    assert "Send reminders to 2 people" in page
    assert 'method="post"' in page
    assert not OutboundEmail.objects.exists()


def test_staff_remind_the_non_responders(editor_client, half_answered):
    survey, waiting, _ = half_answered
    response = editor_client.post(url(survey, "remind/"))
    assert response.status_code == 302
    assert response["Location"] == url(survey, "non-responders/")
    mails = OutboundEmail.objects.filter(kind="members/survey_reminder")
    assert sorted(mails.values_list("to", flat=True)) == sorted(p.email for p in waiting)
    assert "2 reminders have been queued in the outbox." in texts(response)
    survey.refresh_from_db()
    assert survey.reminded_at is not None


def test_a_closed_survey_reminds_nobody(editor_client, half_answered):
    survey, _, _ = half_answered
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    page = editor_client.get(url(survey, "non-responders/")).content.decode()
    assert url(survey, "remind/") not in page
    assert "Reminders can only be sent while the survey is open." in page
    response = editor_client.post(url(survey, "remind/"))
    assert response.status_code == 302
    assert "is not open: nobody is reminded." in " ".join(texts(response))
    assert not OutboundEmail.objects.exists()


def test_the_list_action_reminds_the_open_surveys_after_a_confirmation(
    editor_client, half_answered
):
    survey, waiting, _ = half_answered
    closed = SurveyFactory(title="Vorbei", closes_at=timezone.now() - datetime.timedelta(minutes=1))
    chosen = {"action": "send_reminders", ACTION_CHECKBOX_NAME: [survey.pk, closed.pk]}
    confirmation = editor_client.post(SURVEYS, chosen)
    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "2 people get a reminder" in page
    assert "not open; nobody is reminded" in page
    assert 'name="apply"' in page
    assert not OutboundEmail.objects.exists()

    response = editor_client.post(SURVEYS, {**chosen, "apply": "1"})
    assert response.status_code == 302
    assert OutboundEmail.objects.filter(kind="members/survey_reminder").count() == len(waiting)
    messages = texts(response)
    assert "“Vorbei” is not open: nobody is reminded." in messages
    assert "2 reminders have been queued in the outbox." in messages


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_build_a_survey_and_read_its_results_in_the_browser(page, live_server, settings):
    from playwright.sync_api import expect

    from tests.conftest import assert_accessible, log_in_browser

    settings.PORTAL_STAFF_MFA_REQUIRED = False
    waiting, _ = member_with_contact("Wilma Wartend")
    answering, answering_contact = member_with_contact("Anton Antwort")
    log_in_browser(page, live_server, staff_with(*EDITOR))

    page.goto(f"{live_server.url}{SURVEYS}add/")
    expect(page.locator("h1")).to_have_count(1)
    page.get_by_label("Title").fill("Befragung zur Ehrenamtskarte")
    page.get_by_label("Opens").fill(f"{timezone.localdate():%Y-%m-%d}T00:00")
    page.get_by_label("Closes").fill("2099-12-31T18:00")
    page.get_by_label("Asked, row 1").select_option("members.contacts")
    question = page.locator("#questions-0")
    question.get_by_label("Question").fill("Nehmen Sie an der Ehrenamtskarte teil?")
    question.get_by_label("Kind of answer").select_option("single")
    question.get_by_label("Answers to choose from").fill("Ja\nNein")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator("[data-expected]")).to_have_attribute("data-expected", "2")
    survey = Survey.objects.get()
    respond(survey, answering, answering_contact, {survey.questions.get(): "Ja"})
    assert_accessible(page)

    page.get_by_role("link", name="Results", exact=True).click()
    expect(page.locator('[data-figure="submitted"]')).to_have_text("1")
    chart = page.get_by_role("img", name="1. Nehmen Sie an der Ehrenamtskarte teil?")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name="Answers to question 1")).to_contain_text("100%")
    assert_accessible(page)

    page.get_by_role("link", name="Non-responders").click()
    expect(page.locator("#non-responders")).to_contain_text(waiting.authority.name)
    assert_accessible(page)
    page.get_by_role("link", name="Send reminder…").click()
    page.get_by_role("button", name="Send a reminder to 1 person").click()
    expect(page.locator(".messagelist")).to_contain_text("1 reminder has been queued")
    assert OutboundEmail.objects.filter(kind="members/survey_reminder").count() == 1
