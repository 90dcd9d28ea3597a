"""Online surveys in Django admin: who may do what, the list, building a survey with its
questions and audience, and what may change once answers are in."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from members.models import Survey, SurveyQuestion
from portal.models import OutboundEmail
from tests.factories import EventFactory, SurveyFactory
from tests.support import survey_admin
from tests.support.survey_admin import (
    DRAFT,
    EDITOR,
    SURVEYS,
    ChoiceQuestionFactory,
    Kind,
    member_with_contact,
    respond,
    staff_with,
    url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/survey_admin.py that these tests ask for by name.
answered = survey_admin.answered
editor_client = survey_admin.editor_client
results = survey_admin.results


CONTACTS = {"segment": "members.contacts"}


@pytest.fixture
def reader_client(client):
    client.force_login(staff_with("view_survey"))
    return client


def survey_data(audience=(CONTACTS,), questions=(), initial_questions=0, **fields):
    """The POST data of the add or change page: the survey, its audience rows and the
    question inline with their management forms. On the change page, the rows of the stored
    audience (and questions) count as initial ones, as the page's management forms say."""
    data = {
        "title": "Befragung zur Ehrenamtskarte",
        "introduction": "Fünf Minuten, anonym ausgewertet.",
        "respondent": "organisation",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-03-31T18:00",
        "_save": "Save",
        **fields,
    }
    rows = [*audience, {}, {}]
    data["audience-TOTAL_FORMS"] = str(len(rows))
    data["audience-INITIAL_FORMS"] = str(len(audience) if initial_questions else 0)
    for number, row in enumerate(rows):
        for name, value in row.items():
            data[f"audience-{number}-{name}"] = value
    data["questions-TOTAL_FORMS"] = str(len(questions))
    data["questions-INITIAL_FORMS"] = str(initial_questions)
    data["questions-MIN_NUM_FORMS"] = "0"
    data["questions-MAX_NUM_FORMS"] = "1000"
    for number, question in enumerate(questions):
        row = {"required": "on", "scale_min": "1", "scale_max": "5", **question}
        for name, value in row.items():
            if value is not None:
                data[f"questions-{number}-{name}"] = value
    return data


def question_row(question, **changes):
    """An existing question as the change page posts it back."""
    row = {
        "id": str(question.pk),
        "survey": str(question.survey_id),
        "position": str(question.position),
        "text": question.text,
        "help_text": question.help_text,
        "kind": question.kind,
        "required": "on" if question.required else None,
        "options": question.options,
        "scale_min": str(question.scale_min),
        "scale_max": str(question.scale_max),
        "scale_min_label": question.scale_min_label,
        "scale_max_label": question.scale_max_label,
    }
    row.update(changes)
    return row


SINGLE = {"text": "Nehmen Sie an der Ehrenamtskarte teil?", "kind": "single", "options": "Ja\nNein"}
SCALE = {
    "text": "Wie zufrieden sind Sie mit dem Netzwerk?",
    "kind": "scale",
    "scale_min": "1",
    "scale_max": "5",
    "scale_min_label": "gar nicht",
    "scale_max_label": "sehr",
}
TEXT = {"text": "Was wünschen Sie sich?", "kind": "text", "required": None}


# --- Who may do what --------------------------------------------------------------------------

TOOLS = ["", "results/", "results.csv", "results.xlsx", "non-responders/", "remind/"]


@pytest.mark.parametrize("tool", TOOLS)
def test_anonymous_people_are_sent_to_the_login(client, tool):
    survey = SurveyFactory()
    response = client.get(url(survey, tool))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("tool", TOOLS)
def test_people_who_are_not_staff_are_sent_to_the_login(client, contact_a, tool):
    survey = SurveyFactory()
    client.force_login(contact_a)
    response = client.get(url(survey, tool))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("tool", TOOLS[1:])
def test_staff_without_the_permission_may_not_see_a_survey(client, tool):
    survey = SurveyFactory()
    client.force_login(staff_with("view_application"))
    assert client.get(url(survey, tool)).status_code == 403


@pytest.mark.parametrize("tool", TOOLS[:-1])
def test_staff_who_may_view_surveys_see_results_exports_and_non_responders(reader_client, tool):
    survey = SurveyFactory()
    ChoiceQuestionFactory(survey=survey)
    assert reader_client.get(url(survey, tool)).status_code == 200


def test_staff_who_may_only_view_may_not_remind(reader_client):
    survey = SurveyFactory()
    member_with_contact()
    page = reader_client.get(url(survey, "non-responders/"))
    assert url(survey, "remind/") not in page.content.decode()
    assert reader_client.get(url(survey, "remind/")).status_code == 403
    assert reader_client.post(url(survey, "remind/")).status_code == 403
    assert not OutboundEmail.objects.exists()


def test_the_reminder_action_needs_the_change_permission(reader_client):
    survey = SurveyFactory()
    member_with_contact()
    reader_client.post(
        SURVEYS, {"action": "send_reminders", ACTION_CHECKBOX_NAME: [survey.pk], "apply": "1"}
    )
    assert not OutboundEmail.objects.exists()
    page = reader_client.get(SURVEYS)
    assert "send_reminders" not in page.content.decode()


def test_an_unknown_survey_is_not_found(editor_client):
    assert editor_client.get(f"{SURVEYS}999999/results/").status_code == 404


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_state_and_submitted_of_expected(editor_client):
    now = timezone.now()
    current = SurveyFactory(title="Laufende Befragung")
    SurveyFactory(
        title="Kommende Befragung",
        opens_at=now + datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=10),
    )
    SurveyFactory(
        title="Alte Befragung",
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now - datetime.timedelta(days=2),
    )
    question = ChoiceQuestionFactory(survey=current)
    answered, contact = member_with_contact()
    member_with_contact()
    respond(current, answered, contact, {question: "Ja"})

    page = editor_client.get(SURVEYS).content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Laufende Befragung.*?</tr>", page, re.S).group(0)
    assert ">open<" in row
    assert f'<a href="{url(current, "results/")}">1 / 2</a>' in row
    assert "not yet open" in page
    assert "closed" in page

    upcoming = editor_client.get(SURVEYS, {"state": "upcoming"}).content.decode()
    assert "Kommende Befragung" in upcoming
    assert "Laufende Befragung" not in upcoming
    assert "Alte Befragung" not in upcoming


def test_the_list_is_searchable_by_title(editor_client):
    SurveyFactory(title="Befragung zur Ehrenamtskarte")
    SurveyFactory(title="Befragung zu Engagementleitlinien")
    page = editor_client.get(SURVEYS, {"q": "Ehrenamtskarte"}).content.decode()
    assert "Befragung zur Ehrenamtskarte" in page
    assert "Engagementleitlinien" not in page


# --- Building a survey ------------------------------------------------------------------------


def test_staff_build_a_survey_with_questions_and_audience(client):
    editor = staff_with(*EDITOR)
    client.force_login(editor)
    event = EventFactory()
    audience = (
        CONTACTS,
        {
            "segment": "meetings.registrants",
            "meetings_registrants__event": str(event.pk),
            "meetings_registrants__status": "confirmed",
        },
    )
    response = client.post(
        f"{SURVEYS}add/",
        survey_data(audience=audience, questions=[SCALE, {**TEXT, "position": ""}, SINGLE]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    survey = Survey.objects.get()
    assert survey.title == "Befragung zur Ehrenamtskarte"
    assert survey.created_by == editor
    assert survey.audience == [
        {"segment": "members.contacts"},
        {"segment": "meetings.registrants", "event": event.pk, "status": "confirmed"},
    ]
    assert timezone.localtime(survey.opens_at).strftime("%d.%m.%Y %H:%M") == "01.03.2027 09:00"
    questions = list(survey.questions.order_by("position"))
    # Without positions, the questions keep the order they were written in.
    assert [(q.position, q.kind) for q in questions] == [(1, "scale"), (2, "text"), (3, "single")]
    assert questions[2].option_list() == ["Ja", "Nein"]
    assert questions[0].scale_max_label == "sehr"
    assert questions[1].required is False


def test_the_add_page_shows_the_audience_rows_and_an_empty_question(editor_client):
    page = editor_client.get(f"{SURVEYS}add/").content.decode()
    assert 'name="audience-0-segment"' in page
    assert "members.contacts" in page
    assert 'name="questions-0-text"' in page
    assert 'name="questions-TOTAL_FORMS"' in page


def test_a_questions_position_is_called_a_position_in_german(client):
    editor = staff_with(*EDITOR)
    editor.language = "de"
    editor.save()
    client.force_login(editor)
    page = client.get(f"{SURVEYS}add/").content.decode()
    assert "Funktion" not in page  # the word for a person's office
    assert re.search(r">\s*Position\b", page)


def test_positions_are_numbered_anew_in_the_chosen_order(editor_client):
    questions = [
        {**SINGLE, "position": "30"},
        {**SCALE, "position": "10"},
        {**TEXT, "position": "20"},
    ]
    response = editor_client.post(f"{SURVEYS}add/", survey_data(questions=questions))
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert list(survey.questions.order_by("position").values_list("position", "kind")) == [
        (1, "scale"),
        (2, "text"),
        (3, "single"),
    ]


def errors_of(response):
    """The texts of every error list on the page."""
    page = response.content.decode()
    return " ".join(
        re.sub(r"<[^>]+>", " ", block)
        for block in re.findall(r'<ul class="errorlist[^"]*"[^>]*>.*?</ul>', page, re.S)
    )


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({**SINGLE, "options": "Ja"}, "at least two answers to choose from"),
        ({**SINGLE, "kind": "multiple", "options": "\n\n"}, "at least two answers to choose from"),
        ({**SINGLE, "options": "Ja\nNein\nja"}, "Each answer may be given once"),
        ({**SCALE, "scale_min": "5", "scale_max": "5"}, "must be greater than the lowest"),
        ({**SCALE, "scale_min": "4", "scale_max": "2"}, "must be greater than the lowest"),
        ({**SCALE, "scale_min": "0", "scale_max": "11"}, "at most 11 steps; this one has 12"),
        ({**SINGLE, "kind": ""}, "This field is required"),
    ],
)
def test_bad_questions_are_refused_with_a_message_at_the_field(editor_client, question, message):
    response = editor_client.post(f"{SURVEYS}add/", survey_data(questions=[question]))
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Survey.objects.exists()
    # Nothing typed is lost.
    assert question["text"] in response.content.decode()


def test_a_scale_of_eleven_steps_is_fine(editor_client):
    question = {**SCALE, "scale_min": "0", "scale_max": "10"}
    response = editor_client.post(f"{SURVEYS}add/", survey_data(questions=[question]))
    assert response.status_code == 302
    assert SurveyQuestion.objects.get().scale_max == 10


def test_options_of_a_free_text_question_are_dropped(editor_client):
    response = editor_client.post(
        f"{SURVEYS}add/", survey_data(questions=[{**TEXT, "options": "Ja\nNein"}])
    )
    assert response.status_code == 302
    assert SurveyQuestion.objects.get().options == ""


def test_a_survey_must_close_after_it_opens(editor_client):
    data = survey_data(questions=[SINGLE], closes_at="2027-02-28T18:00")
    response = editor_client.post(f"{SURVEYS}add/", data)
    assert response.status_code == 200
    assert "The survey must close after it opens." in errors_of(response)
    assert not Survey.objects.exists()


def test_a_survey_needs_a_question(editor_client):
    response = editor_client.post(f"{SURVEYS}add/", survey_data(questions=[]))
    assert response.status_code == 200
    assert "Please add at least one question." in errors_of(response)
    assert not Survey.objects.exists()


def test_a_survey_needs_an_audience(editor_client):
    response = editor_client.post(f"{SURVEYS}add/", survey_data(audience=(), questions=[SINGLE]))
    assert response.status_code == 200
    assert "Please choose at least one segment" in errors_of(response)
    assert not Survey.objects.exists()


def test_a_segment_without_its_parameters_is_refused_at_its_row(editor_client):
    audience = ({"segment": "meetings.registrants", "meetings_registrants__status": "confirmed"},)
    response = editor_client.post(
        f"{SURVEYS}add/", survey_data(audience=audience, questions=[SINGLE])
    )
    assert response.status_code == 200
    assert "Please choose an event." in errors_of(response)
    assert "Please correct the audience below." in response.content.decode()
    assert not Survey.objects.exists()


def test_an_unknown_segment_is_refused(editor_client):
    response = editor_client.post(
        f"{SURVEYS}add/",
        survey_data(audience=({"segment": "members.everybody"},), questions=[SINGLE]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in errors_of(response)
    assert not Survey.objects.exists()


def test_the_change_page_shows_the_audience_expected_respondents_and_tools(editor_client):
    survey = SurveyFactory()
    ChoiceQuestionFactory(survey=survey)
    member_with_contact()
    member_with_contact()
    page = editor_client.get(url(survey)).content.decode()
    assert 'data-expected="2"' in page
    assert "Contact persons of member municipalities" in page
    assert 'value="members.contacts" selected' in page
    for tool in ("results/", "results.csv", "results.xlsx", "non-responders/"):
        assert f'href="{url(survey, tool)}"' in page


def test_changing_a_survey_keeps_its_audience_and_questions(editor_client):
    survey = SurveyFactory()
    question = ChoiceQuestionFactory(survey=survey)
    data = survey_data(
        questions=[question_row(question, text="Neuer Wortlaut")],
        initial_questions=1,
        title="Neuer Titel",
    )
    response = editor_client.post(url(survey), data)
    assert response.status_code == 302
    survey.refresh_from_db()
    question.refresh_from_db()
    assert survey.title == "Neuer Titel"
    assert survey.audience == [CONTACTS]
    assert question.text == "Neuer Wortlaut"


# --- Questions with submitted answers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "multiple"}, "kind", "the kind of answer can no longer be changed"),
        ({"options": "Ja\nNö"}, "options", "not removed or changed: “Nein”"),
    ],
)
def test_answered_questions_keep_kind_and_options(editor_client, answered, changes, field, message):
    survey, question = answered
    data = survey_data(questions=[question_row(question, **changes)], initial_questions=1)
    response = editor_client.post(url(survey), data)
    assert response.status_code == 200
    assert message in errors_of(response)
    question.refresh_from_db()
    assert question.kind == "single"
    assert question.option_list() == ["Ja", "Nein"]


def test_answered_scales_keep_their_range(editor_client):
    survey = SurveyFactory()
    question = ChoiceQuestionFactory(survey=survey, kind=Kind.SCALE, options="")
    organisation, contact = member_with_contact()
    respond(survey, organisation, contact, {question: 4})
    data = survey_data(questions=[question_row(question, scale_max="7")], initial_questions=1)
    response = editor_client.post(url(survey), data)
    assert "the scale can no longer be changed" in errors_of(response)
    question.refresh_from_db()
    assert question.scale_max == 5


def test_answered_questions_may_get_more_options_and_a_new_wording(editor_client, answered):
    survey, question = answered
    row = question_row(question, options="Ja\nNein\nTeilweise", text="Besser formuliert?")
    response = editor_client.post(url(survey), survey_data(questions=[row], initial_questions=1))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.option_list() == ["Ja", "Nein", "Teilweise"]
    assert question.text == "Besser formuliert?"


def test_answered_questions_cannot_be_removed(editor_client, answered):
    survey, question = answered
    other = ChoiceQuestionFactory(survey=survey, kind=Kind.TEXT, options="")
    rows = [question_row(question, DELETE="on"), question_row(other)]
    response = editor_client.post(url(survey), survey_data(questions=rows, initial_questions=2))
    assert response.status_code == 200
    assert "these questions cannot be removed" in errors_of(response)
    assert SurveyQuestion.objects.filter(pk=question.pk).exists()


def test_questions_without_submitted_answers_may_change_and_go(editor_client):
    survey = SurveyFactory()
    question = ChoiceQuestionFactory(survey=survey)
    gone = ChoiceQuestionFactory(survey=survey)
    organisation, contact = member_with_contact()
    respond(survey, organisation, contact, {question: "Ja", gone: "Nein"}, status=DRAFT)
    rows = [question_row(question, kind="multiple"), question_row(gone, DELETE="on")]
    response = editor_client.post(url(survey), survey_data(questions=rows, initial_questions=2))
    assert response.status_code == 302
    assert list(survey.questions.values_list("kind", flat=True)) == ["multiple"]


def test_who_answers_stays_once_responses_exist(editor_client, answered):
    survey, question = answered
    data = survey_data(questions=[question_row(question)], initial_questions=1, respondent="person")
    response = editor_client.post(url(survey), data)
    assert response.status_code == 200
    assert "who answers can no longer be changed" in errors_of(response)
    survey.refresh_from_db()
    assert survey.respondent == "organisation"


def test_the_change_page_warns_once_responses_are_submitted(editor_client, answered):
    survey, _ = answered
    page = editor_client.get(url(survey)).content.decode()
    assert 'id="survey-locked"' in page
    assert "1 response has been submitted." in page
