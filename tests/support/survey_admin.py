"""What the tests of online surveys in Django admin share: factories, staff clients with the
survey permissions, answered surveys and readers for the results pages."""

from __future__ import annotations

from functools import partial
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from members.models import Affiliation, SurveyAnswer, SurveyQuestion, SurveyResponse
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganisationFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)
from tests.support import staff

Kind = SurveyQuestion.Kind
SUBMITTED = SurveyResponse.Status.SUBMITTED
DRAFT = SurveyResponse.Status.DRAFT
SURVEYS = "/admin/members/survey/"


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


# Staff with only the given permissions of the members app.
staff_with = partial(staff.staff_with, "members")


EDITOR = ("view_survey", "add_survey", "change_survey")


@pytest.fixture
def editor_client(client):
    client.force_login(staff_with(*EDITOR))
    return client


def url(survey, tool=""):
    return f"{SURVEYS}{survey.pk}/{tool or 'change/'}"


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


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


# --- Questions with submitted answers ---------------------------------------------------------


@pytest.fixture
def answered():
    """A survey whose single choice question has a submitted answer."""
    survey = SurveyFactory()
    question = ChoiceQuestionFactory(survey=survey, options="Ja\nNein")
    organisation, contact = member_with_contact()
    respond(survey, organisation, contact, {question: "Ja"})
    return survey, question


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
