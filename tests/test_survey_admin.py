"""Online surveys in Django admin: building a survey with its questions and audience, the
results with charts and tables, CSV and XLSX exports, non-responders and reminders."""

from __future__ import annotations

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import timezone
from openpyxl import load_workbook

from members.models import Affiliation, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from members.surveys import charts as survey_charts
from portal.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Kind = SurveyQuestion.Kind
SUBMITTED = SurveyResponse.Status.SUBMITTED
DRAFT = SurveyResponse.Status.DRAFT
SURVEYS = "/admin/members/survey/"
SVG = "{http://www.w3.org/2000/svg}"
CONTACTS = {"segment": "members.contacts"}


# --- Factories of this file -------------------------------------------------------------------


class ChoiceQuestionFactory(SurveyQuestionFactory):
    kind = Kind.SINGLE
    options = "Ja\nNein\nWeiß nicht"


def member_with_contact(name=None):
    """A member municipality with a contact person; returns (organisation, contact)."""
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation)
    user_fields = {"user__full_name": name} if name else {}
    contact = AffiliationFactory(
        organisation=organisation, role=Affiliation.Role.CONTACT, **user_fields
    ).user
    return organisation, contact


def respond(survey, organisation, user, answers, status=SUBMITTED):
    """A response of the municipality with answers {question: value}."""
    response = SurveyResponse.objects.create(
        survey=survey,
        respondent_key=f"organisation:{organisation.pk}",
        organisation=organisation,
        user=user,
        status=status,
        submitted_at=timezone.now() if status == SUBMITTED else None,
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, question=question, value=value)
        for question, value in answers.items()
    )
    return response


# --- Helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    # Dozens of municipalities with a contact each: hashing their passwords properly would
    # take most of the time of these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff_with(*codenames):
    """Staff reading admin in English, with only the given permissions of members."""
    user = UserFactory(is_staff=True, language="en")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="members", codename__in=codenames)
    )
    return user


EDITOR = ("view_survey", "add_survey", "change_survey")


@pytest.fixture
def editor_client(client):
    client.force_login(staff_with(*EDITOR))
    return client


@pytest.fixture
def reader_client(client):
    client.force_login(staff_with("view_survey"))
    return client


def url(survey, tool=""):
    return f"{SURVEYS}{survey.pk}/{tool or 'change/'}"


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


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


class Tables(HTMLParser):
    """The tables of a page as {id: {"caption": str, "rows": [[cell, ...], ...]}} with the
    scope of each header cell."""

    def __init__(self):
        super().__init__()
        self.tables, self.scopes = {}, []
        self._table = self._row = self._cell = None
        self._caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = {"caption": "", "rows": []}
            self.tables[attrs.get("id", str(len(self.tables)))] = self._table
        elif tag == "caption":
            self._caption = True
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table["rows"].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            if tag == "th":
                self.scopes.append(attrs.get("scope"))

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._caption:
            self._table["caption"] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def tables_of(response):
    parser = Tables()
    parser.feed(response.content.decode())
    return parser


def parse_svg(markup):
    return ET.fromstring(str(markup))  # noqa: S314 - the portal's own markup


def svgs_of(response):
    return [
        parse_svg(markup)
        for markup in re.findall(
            r'<svg[^>]*class="survey-chart".*?</svg>', response.content.decode(), re.S
        )
    ]


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


@pytest.fixture
def answered():
    """A survey whose single choice question has a submitted answer."""
    survey = SurveyFactory()
    question = ChoiceQuestionFactory(survey=survey, options="Ja\nNein")
    organisation, contact = member_with_contact()
    respond(survey, organisation, contact, {question: "Ja"})
    return survey, question


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


# --- Results ----------------------------------------------------------------------------------


@pytest.fixture
def results():
    """Three member municipalities answered (one only as a draft), one has not."""
    survey = SurveyFactory(title="Befragung 2027")
    single = ChoiceQuestionFactory(survey=survey, position=1, text="Ehrenamtskarte?")
    multiple = ChoiceQuestionFactory(
        survey=survey,
        position=2,
        kind=Kind.MULTIPLE,
        text="Welche Formate nutzen Sie?",
        options="Netzwerktreffen\nOnline-Seminare\nNewsletter",
    )
    scale = ChoiceQuestionFactory(
        survey=survey,
        position=3,
        kind=Kind.SCALE,
        options="",
        text="Zufriedenheit",
        scale_min_label="gar nicht",
        scale_max_label="sehr",
    )
    text = ChoiceQuestionFactory(
        survey=survey, position=4, kind=Kind.TEXT, options="", text="Wünsche"
    )
    people = [member_with_contact() for _ in range(4)]
    (first, first_contact), (second, second_contact), (third, third_contact), _ = people
    respond(
        survey,
        first,
        first_contact,
        {
            single: "Ja",
            multiple: ["Netzwerktreffen", "Newsletter"],
            scale: 5,
            text: "Mehr Treffen vor Ort",
        },
    )
    respond(
        survey,
        second,
        second_contact,
        {single: "Nein", multiple: ["Netzwerktreffen"], scale: 3, text: "=HYPERLINK(1)"},
    )
    respond(survey, third, third_contact, {single: "Nein", scale: 1}, status=DRAFT)
    return {
        "survey": survey,
        "questions": (single, multiple, scale, text),
        "people": people,
    }


def test_the_results_show_n_expected_and_the_rate(editor_client, results):
    page = editor_client.get(url(results["survey"], "results/")).content.decode()
    assert re.search(r'data-figure="submitted">2<', page)
    assert re.search(r'data-figure="expected">4<', page)
    assert re.search(r'data-figure="rate">50%<', page)


def test_each_chart_has_a_title_and_one_bar_per_option(editor_client, results):
    response = editor_client.get(url(results["survey"], "results/"))
    charts = svgs_of(response)
    assert len(charts) == 3  # no chart for free text

    first = charts[0]
    assert first.get("role") == "img"
    title = first.find(f"{SVG}title")
    assert title.text == "1. Ehrenamtskarte?"
    assert first.get("aria-labelledby") == f"{title.get('id')} {first.find(f'{SVG}desc').get('id')}"
    bars = first.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 3  # Ja, Nein, Weiß nicht
    labels = ["".join(t.itertext()) for t in first.findall(f".//{SVG}text[@class='label']")]
    values = [t.text for t in first.findall(f".//{SVG}text[@class='value']")]
    assert labels == ["Ja", "Nein", "Weiß nicht"]
    assert values == ["1 (50%)", "1 (50%)", "0 (0%)"]
    assert float(bars[0].get("width")) == float(bars[1].get("width")) > 0
    assert float(bars[2].get("width")) == 0

    # Multiple choice: percentages of those who answered, so one option has all of them.
    multiple_values = [t.text for t in charts[1].findall(f".//{SVG}text[@class='value']")]
    assert multiple_values == ["2 (100%)", "0 (0%)", "1 (50%)"]

    scale_labels = [
        "".join(t.itertext()) for t in charts[2].findall(f".//{SVG}text[@class='label']")
    ]
    assert scale_labels == ["1 – gar nicht", "2", "3", "4", "5 – sehr"]
    assert len(charts[2].findall(f".//{SVG}rect[@class='bar']")) == 5


def test_each_chart_has_a_table_with_the_same_numbers(editor_client, results):
    single, _, scale, _ = results["questions"]
    parser = tables_of(editor_client.get(url(results["survey"], "results/")))
    table = parser.tables[f"question-{single.pk}-table"]
    assert table["caption"] == "Answers to question 1"
    assert table["rows"] == [
        ["Answer", "Number", "Percent"],
        ["Ja", "1", "50%"],
        ["Nein", "1", "50%"],
        ["Weiß nicht", "0", "0%"],
        ["Answered", "2", ""],
    ]
    assert set(parser.scopes) == {"col", "row"}
    scale_rows = parser.tables[f"question-{scale.pk}-table"]["rows"]
    assert ["3", "1", "50%"] in scale_rows
    assert ["Mean", "4.0", ""] in scale_rows


def test_free_text_answers_are_listed_with_their_municipality(editor_client, results):
    *_, text = results["questions"]
    (first, _), (second, _), *_ = results["people"]
    page = editor_client.get(url(results["survey"], "results/")).content.decode()
    listed = re.search(rf'id="question-{text.pk}-texts">(.*?)</ul>', page, re.S).group(1)
    assert f"<strong>{first.authority.name}:</strong> Mehr Treffen vor Ort" in listed
    assert f"<strong>{second.authority.name}:</strong> =HYPERLINK(1)" in listed
    assert listed.count("<li>") == 2  # not the draft


def test_the_results_page_links_the_exports_and_the_non_responders(editor_client, results):
    survey = results["survey"]
    page = editor_client.get(url(survey, "results/")).content.decode()
    for tool in ("results.csv", "results.xlsx", "non-responders/", "change/"):
        assert f'href="{url(survey, tool)}"' in page
    assert page.count("<h1") == 1


def test_answers_that_are_no_option_any_more_still_count(editor_client, results):
    single, *_ = results["questions"]
    SurveyQuestion.objects.filter(pk=single.pk).update(options="Ja\nWeiß nicht")
    charts = svgs_of(editor_client.get(url(results["survey"], "results/")))
    labels = ["".join(t.itertext()) for t in charts[0].findall(f".//{SVG}text[@class='label']")]
    assert labels == ["Ja", "Weiß nicht", "Nein"]


@pytest.mark.parametrize("count", [5, 50])
def test_the_results_page_needs_the_same_queries_for_few_and_many(
    editor_client, django_assert_max_num_queries, count
):
    survey = SurveyFactory()
    questions = [
        ChoiceQuestionFactory(survey=survey),
        ChoiceQuestionFactory(survey=survey, kind=Kind.SCALE, options=""),
        ChoiceQuestionFactory(survey=survey, kind=Kind.TEXT, options=""),
    ]
    for _ in range(count):
        organisation, contact = member_with_contact()
        respond(survey, organisation, contact, dict(zip(questions, ["Ja", 4, "Gut"], strict=True)))
    with django_assert_max_num_queries(10):
        response = editor_client.get(url(survey, "results/"))
    assert response.status_code == 200
    assert f'data-figure="submitted">{count}<' in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_the_non_responders_page_needs_the_same_queries_for_few_and_many(
    editor_client, django_assert_max_num_queries, count
):
    survey = SurveyFactory()
    for _ in range(count):
        member_with_contact()
    with django_assert_max_num_queries(10):
        response = editor_client.get(url(survey, "non-responders/"))
    assert f'data-count="{count}"' in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_needs_the_same_queries_for_few_and_many_surveys(
    editor_client, django_assert_max_num_queries, count
):
    SurveyFactory.create_batch(count)
    member_with_contact()
    with django_assert_max_num_queries(11):
        response = editor_client.get(SURVEYS)
    assert response.content.decode().count("0 / 1</a>") == count


# --- The chart on its own ---------------------------------------------------------------------


def test_a_chart_escapes_its_texts_and_stays_well_formed():
    bars = [survey_charts.Bar('<b>"Ja" & mehr</b>', 2, 100.0)]
    svg = parse_svg(survey_charts.bar_chart("q<1>", "Frage <script>", bars))
    assert svg.find(f"{SVG}title").text == "Frage <script>"
    assert "".join(svg.find(f".//{SVG}text[@class='label']").itertext()) == '<b>"Ja" & mehr</b>'
    assert svg.find(f"{SVG}desc").text == '<b>"Ja" & mehr</b>: 2 (100 %)'


def test_long_labels_wrap_onto_at_most_three_lines():
    bars = [survey_charts.Bar("sehr lange Antwort " * 30, 1, 100.0)]
    svg = parse_svg(survey_charts.bar_chart("long", "Frage", bars))
    lines = svg.findall(f".//{SVG}tspan")
    assert len(lines) == 3
    assert lines[-1].text.endswith("…")


def test_a_chart_without_answers_says_so():
    svg = parse_svg(survey_charts.bar_chart("empty", "Frage", []))
    assert svg.find(f"{SVG}desc").text == "Keine Antworten."
    assert svg.findall(f".//{SVG}rect[@class='bar']") == []


def test_choices_count_each_response_once_and_skip_empty_answers():
    counts = survey_charts.count_choices(["A", "B"], [["A", "A", "B"], "B", "", None, [], ["C"]])
    assert counts.answered == 3
    assert [(bar.label, bar.count) for bar in counts.bars] == [("A", 1), ("B", 2), ("C", 1)]


def test_scales_count_values_within_the_range_and_give_the_mean():
    counts = survey_charts.count_scale(1, 3, [1, 3, 3, "2", 7, True, None])
    assert counts.answered == 4
    assert [bar.count for bar in counts.bars] == [1, 1, 2]
    assert counts.mean == pytest.approx(2.25)


# --- Exports ----------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_submitted_response_and_no_formulas(editor_client, results):
    survey = results["survey"]
    (first, first_contact), (second, _), *_ = results["people"]
    response = editor_client.get(url(survey, "results.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == [
        "AGS",
        "Municipality",
        "Person",
        "Submitted",
        "Ehrenamtskarte?",
        "Welche Formate nutzen Sie?",
        "Zufriedenheit",
        "Wünsche",
    ]
    assert len(rows) == 3  # the header and the two submitted responses
    by_ags = {row[0]: row for row in rows[1:]}
    row = by_ags[first.authority.ags]
    assert row[1:3] == [first.authority.name, first_contact.full_name]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", row[3])
    assert row[4:] == ["Ja", "Netzwerktreffen; Newsletter", "5", "Mehr Treffen vor Ort"]
    assert by_ags[second.authority.ags][7] == "'=HYPERLINK(1)"


def test_the_xlsx_has_the_same_rows(editor_client, results):
    survey = results["survey"]
    (first, _), (second, _), *_ = results["people"]
    response = editor_client.get(url(survey, "results.xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "AGS",
        "Municipality",
        "Person",
        "Submitted",
        "Ehrenamtskarte?",
        "Welche Formate nutzen Sie?",
        "Zufriedenheit",
        "Wünsche",
    )
    by_ags = {row[0]: row for row in rows[1:]}
    assert set(by_ags) == {first.authority.ags, second.authority.ags}
    row = by_ags[first.authority.ags]
    assert isinstance(row[3], datetime.datetime)
    assert row[4:] == ("Ja", "Netzwerktreffen; Newsletter", 5, "Mehr Treffen vor Ort")
    # Stored as a text cell, never as a formula; the apostrophe is only CSV's guard.
    formula_cell = sheet.cell(row=rows.index(by_ags[second.authority.ags]) + 1, column=8)
    assert formula_cell.value == "=HYPERLINK(1)"
    assert formula_cell.data_type == "s"
    assert formula_cell.quotePrefix


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
