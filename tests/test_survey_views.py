"""Online surveys, the respondents' pages: who may see and answer, bad input, the list."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Registration
from members.models import Affiliation, Survey, SurveyResponse
from members.surveys import services as surveys
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    MembershipFactory,
    StaffFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)
from tests.test_surveys import HEADS, OFFICERS, add_questions

pytestmark = pytest.mark.django_db
Role = Affiliation.Role
LIST_URL = reverse("members:surveys")


def url(survey: Survey) -> str:
    return reverse("members:survey", args=[survey.pk])


@pytest.fixture
def survey(member_a):
    survey = SurveyFactory(audience=OFFICERS, title="Umfrage Engagementstrukturen")
    survey.q = add_questions(survey)
    return survey


def post_data(survey, action="draft", **overrides):
    q = survey.q
    data = {
        f"question_{q['single'].pk}": "Ja",
        f"question_{q['multiple'].pk}": ["Workshops", "Kurzformate"],
        f"question_{q['scale'].pk}": "4",
        f"question_{q['text'].pk}": "Mehr Austausch zwischen den Kommunen",
        "action": action,
    }
    for kind, value in overrides.items():
        key = f"question_{q[kind].pk}"
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def the_response(survey):
    return SurveyResponse.objects.get(survey=survey)


def error_of(html: str, survey, kind: str) -> str:
    """The error message printed next to one question."""
    found = re.search(
        rf'id="id_question_{survey.q[kind].pk}_error">.*?</span> (.*?)</span>', html, re.S
    )
    assert found, f"no error next to the {kind} question"
    return found[1].strip()


# --- Who may see and answer -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client, survey):
    for address in (LIST_URL, url(survey)):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_person_in_the_audience_sees_the_questions_as_accessible_groups(
    client, contact_a, survey
):
    client.force_login(contact_a)

    response = client.get(url(survey))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Umfrage Engagementstrukturen" in html
    # Radio and checkbox groups and the scale are fieldsets named by their question.
    assert html.count('<fieldset class="kern-fieldset"') == 3
    assert re.search(r"<legend[^>]*>\s*Hat Ihre Kommune eine Koordinierungsstelle\?", html)
    assert re.search(r"<legend[^>]*>\s*Wie zufrieden sind Sie mit dem Netzwerk\?", html)
    assert "kern-fieldset__body--horizontal" in html
    assert "1 (gar nicht)" in html
    assert "5 (sehr)" in html
    # Only the free text is optional; the others are required.
    assert html.count("kern-label__optional") == 1
    assert f'<textarea name="question_{survey.q["text"].pk}"' in html
    assert 'name="action" value="draft"' in html
    assert 'name="action" value="submit"' in html


def test_a_colleague_of_the_same_municipality_edits_the_same_draft(
    client, contact_a, colleague_a, survey
):
    contact_a.full_name = "Erika Engagiert"
    contact_a.save()
    client.force_login(contact_a)
    client.post(url(survey), post_data(survey))

    client.force_login(colleague_a)
    page = client.get(url(survey)).content.decode()
    assert "Mehr Austausch zwischen den Kommunen" in page
    assert "Erika Engagiert" in page
    assert "data-draft" in page

    client.post(url(survey), post_data(survey, text="Ergänzt von der Kollegin"))
    response = the_response(survey)
    assert response.user == colleague_a
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_a_person_of_another_member_municipality_answers_separately(
    client, contact_a, organisation_b, contact_b, survey
):
    MembershipFactory(organisation=organisation_b)
    client.force_login(contact_a)
    client.post(url(survey), post_data(survey))

    client.force_login(contact_b)
    page = client.get(url(survey)).content.decode()

    assert "Mehr Austausch zwischen den Kommunen" not in page
    assert "data-draft" not in page


@pytest.mark.parametrize("who", ["contact_b", "user_without_organisation"])
def test_people_the_survey_does_not_ask_get_404(client, request, survey, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(survey)).status_code == 404
    assert client.post(url(survey), post_data(survey)).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_a_member_not_in_the_audience_gets_404_and_no_entry_in_the_list(
    client, member_a, contact_a
):
    heads_only = SurveyFactory(audience=HEADS, title="Frage an die Verwaltungsspitzen")
    client.force_login(contact_a)

    assert client.get(url(heads_only)).status_code == 404
    assert "Frage an die Verwaltungsspitzen" not in client.get(LIST_URL).content.decode()


def test_a_person_without_municipality_is_not_asked_by_a_per_municipality_survey(
    client, user_without_organisation
):
    event = EventFactory()
    Registration.objects.create(
        event=event, user=user_without_organisation, status=Registration.Status.CONFIRMED
    )
    audience = [{"segment": "meetings.registrants", "event": event.pk, "status": "all"}]
    per_municipality = SurveyFactory(audience=audience)
    per_person = SurveyFactory(audience=audience, respondent=Survey.Respondent.PERSON)
    client.force_login(user_without_organisation)

    assert client.get(url(per_municipality)).status_code == 404
    assert client.get(url(per_person)).status_code == 200


def test_staff_see_a_preview_and_cannot_save(client, survey):
    client.force_login(StaffFactory())

    page = client.get(url(survey)).content.decode()
    refused = client.post(url(survey), post_data(survey, action="submit"))

    assert 'data-notice="preview"' in page
    assert "disabled" in page
    assert 'value="submit"' not in page
    assert refused.status_code == 403
    assert not SurveyResponse.objects.exists()


# --- Saving and submitting --------------------------------------------------------------------


def test_saving_a_draft_keeps_the_answers_for_later(client, contact_a, survey):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey), follow=True)

    assert response.redirect_chain[-1][0] == url(survey)
    stored = the_response(survey)
    assert stored.status == SurveyResponse.Status.DRAFT
    assert surveys.answers_of(stored) == {
        survey.q["single"].pk: "Ja",
        survey.q["multiple"].pk: ["Workshops", "Kurzformate"],
        survey.q["scale"].pk: 4,
        survey.q["text"].pk: "Mehr Austausch zwischen den Kommunen",
    }
    page = response.content.decode()
    assert "data-draft" in page
    assert re.search(rf'value="4"[^>]*id="id_question_{survey.q["scale"].pk}_3"[^>]*checked', page)


def test_a_draft_may_leave_required_questions_open(client, contact_a, survey):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey, single=None, scale=None))

    assert response.status_code == 302
    assert surveys.answers_of(the_response(survey))[survey.q["text"].pk].startswith("Mehr")


def test_submitting_without_a_required_answer_names_the_question_and_keeps_the_rest(
    client, contact_a, survey
):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey, action="submit", single=None))

    assert response.status_code == 200
    html = response.content.decode()
    assert error_of(html, survey, "single")
    assert "data-form-errors" in html
    assert "Mehr Austausch zwischen den Kommunen" in html
    assert re.search(r'value="Workshops"[^>]*checked', html)
    assert not SurveyResponse.objects.exists()


def test_submitting_shows_the_answers_read_only_and_confirms_by_mail(client, contact_a, survey):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey, action="submit"), follow=True)

    page = response.content.decode()
    assert the_response(survey).status == SurveyResponse.Status.SUBMITTED
    assert 'data-notice="submitted"' in page
    assert "data-survey-form" not in page
    assert "Mehr Austausch zwischen den Kommunen" in page
    assert "4 " in re.search(rf'data-answer="{survey.q["scale"].pk}">(.*?)</dd>', page, re.S)[1]
    assert OutboundEmail.objects.filter(kind="members/survey_submitted", to=contact_a.email)


def test_submitted_answers_cannot_be_changed_by_anyone_of_the_municipality(
    client, contact_a, colleague_a, survey
):
    client.force_login(contact_a)
    client.post(url(survey), post_data(survey, action="submit"))

    client.force_login(colleague_a)
    page = client.get(url(survey)).content.decode()
    refused = client.post(url(survey), post_data(survey, text="Nachträglich geändert"))

    assert 'data-notice="submitted"' in page
    assert refused.status_code == 403
    assert "Nachträglich geändert" not in str(surveys.answers_of(the_response(survey)))


@pytest.mark.parametrize(
    ("opens", "closes", "notice"),
    [(-10, -1, "closed"), (1, 10, "upcoming")],
)
def test_outside_its_period_a_survey_cannot_be_answered(
    client, member_a, contact_a, opens, closes, notice
):
    now = timezone.now()
    survey = SurveyFactory(
        audience=OFFICERS,
        opens_at=now + datetime.timedelta(days=opens),
        closes_at=now + datetime.timedelta(days=closes),
    )
    survey.q = add_questions(survey)
    client.force_login(contact_a)

    page = client.get(url(survey)).content.decode()
    refused = client.post(url(survey), post_data(survey))

    assert f'data-notice="{notice}"' in page
    assert "data-survey-form" not in page
    assert refused.status_code == 403
    assert not SurveyResponse.objects.exists()


def test_after_closing_the_draft_is_shown_as_not_submitted(client, contact_a, survey):
    client.force_login(contact_a)
    client.post(url(survey), post_data(survey))
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())

    page = client.get(url(survey)).content.decode()

    assert 'data-notice="closed"' in page
    assert "data-answers" in page
    assert "Mehr Austausch zwischen den Kommunen" in page


def test_the_last_editor_still_reads_the_answers_after_leaving_the_audience(
    client, contact_a, survey
):
    client.force_login(contact_a)
    client.post(url(survey), post_data(survey, action="submit"))
    Affiliation.objects.filter(user=contact_a).update(role=Role.HEAD)  # no longer an officer
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())

    page = client.get(url(survey))

    assert page.status_code == 200
    assert "Mehr Austausch zwischen den Kommunen" in page.content.decode()


# --- Bad input --------------------------------------------------------------------------------


def test_an_option_not_in_the_list_is_refused_also_in_a_draft(client, contact_a, survey):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey, single="Vielleicht"))

    assert response.status_code == 200
    html = response.content.decode()
    assert error_of(html, survey, "single") == "Bitte wählen Sie eine der angezeigten Antworten."
    assert "Mehr Austausch zwischen den Kommunen" in html
    assert not SurveyResponse.objects.exists()


def test_a_multiple_choice_outside_the_list_is_refused(client, contact_a, survey):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey, multiple=["Workshops", "Tagesreise"]))

    assert error_of(response.content.decode(), survey, "multiple")
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("value", ["9", "0", "viel", "3.5"])
def test_a_scale_value_must_be_a_number_of_the_scale(client, contact_a, survey, value):
    client.force_login(contact_a)

    response = client.post(url(survey), post_data(survey, scale=value))

    html = response.content.decode()
    message = error_of(html, survey, "scale")
    assert "1" in message
    assert "5" in message
    assert "Mehr Austausch zwischen den Kommunen" in html
    assert not SurveyResponse.objects.exists()


def test_a_too_long_text_is_refused_and_kept_for_shortening(client, contact_a, survey):
    client.force_login(contact_a)
    long_text = "Engagement " * 500  # 5,500 characters

    response = client.post(url(survey), post_data(survey, text=long_text))

    html = response.content.decode()
    assert "5000" in error_of(html, survey, "text")
    assert long_text.strip() in html
    assert not SurveyResponse.objects.exists()


# --- The list and the dashboard ---------------------------------------------------------------


def test_the_list_shows_open_surveys_with_their_state(client, contact_a, survey):
    untouched = SurveyFactory(audience=OFFICERS, title="Zweite Umfrage")
    client.force_login(contact_a)
    client.post(url(survey), post_data(survey))

    page = client.get(LIST_URL).content.decode()

    assert f'data-survey="{survey.pk}"' in page
    assert f'data-survey="{untouched.pk}"' in page
    assert 'data-status="draft"' in page
    assert 'data-status="new"' in page


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_needs_the_same_queries_for_few_and_many_surveys(
    client, member_a, contact_a, django_assert_max_num_queries, count
):
    for number in range(count):
        survey = SurveyFactory(
            audience=OFFICERS if number % 2 else OFFICERS + HEADS,
            respondent=Survey.Respondent.PERSON if number % 3 else Survey.Respondent.ORGANISATION,
        )
        question = SurveyQuestionFactory(survey=survey)
        if number % 4 == 0:
            surveys.save_response(survey, contact_a, {question.pk: "Antwort"}, submit=True)
        if number % 5 == 0:
            Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    client.force_login(contact_a)

    with django_assert_max_num_queries(9):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    assert response.content.decode().count("data-survey=") >= count // 2


def test_the_dashboard_shows_open_surveys_only_to_those_asked(client, contact_a, head_a, survey):
    client.force_login(contact_a)
    mine = client.get(reverse("dashboard")).content.decode()
    client.force_login(head_a)
    theirs = client.get(reverse("dashboard")).content.decode()

    assert "data-surveys-panel" in mine
    assert url(survey) in mine
    assert "data-surveys-panel" not in theirs


def test_the_dashboard_needs_the_same_queries_with_many_open_surveys(
    client, contact_a, member_a, django_assert_max_num_queries
):
    client.force_login(contact_a)
    SurveyFactory(audience=OFFICERS)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("dashboard"))
    for _ in range(15):
        SurveyFactory(audience=OFFICERS)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("dashboard"))


def test_the_dashboard_asks_the_database_nothing_about_surveys_while_none_is_open(
    client, contact_a, member_a
):
    SurveyFactory(audience=OFFICERS, closes_at=timezone.now() + datetime.timedelta(days=30))
    Survey.objects.update(opens_at=timezone.now() + datetime.timedelta(days=3))
    client.force_login(contact_a)
    client.get(reverse("dashboard"))  # fills the cache of current surveys

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("dashboard")).content.decode()

    assert "data-surveys-panel" not in page
    assert not [q for q in queries.captured_queries if "members_survey" in q["sql"]]


def test_a_survey_saved_in_admin_reaches_the_dashboard_at_once(client, contact_a, member_a):
    client.force_login(contact_a)
    assert "data-surveys-panel" not in client.get(reverse("dashboard")).content.decode()

    survey = SurveyFactory(audience=OFFICERS)

    assert url(survey) in client.get(reverse("dashboard")).content.decode()
    survey.delete()
    assert "data-surveys-panel" not in client.get(reverse("dashboard")).content.decode()


def test_staff_are_asked_only_if_the_audience_names_them(client, member_a):
    staff_officer = StaffFactory()
    AffiliationFactory(user=staff_officer, organisation=member_a, role=Role.CONTACT)
    survey = SurveyFactory(audience=OFFICERS)
    SurveyQuestionFactory(survey=survey)
    client.force_login(staff_officer)

    page = client.get(url(survey)).content.decode()

    assert 'value="submit"' in page
    assert 'data-notice="preview"' not in page


def test_a_choice_question_without_options_does_not_block_the_submission(
    client, member_a, contact_a
):
    survey = SurveyFactory(audience=OFFICERS)
    SurveyQuestionFactory(survey=survey, kind="single", options="", required=True)
    client.force_login(contact_a)

    response = client.post(url(survey), {"action": "submit"})

    assert response.status_code == 302
    assert the_response(survey).status == SurveyResponse.Status.SUBMITTED
    assert surveys.answers_of(the_response(survey)) == {}
