"""The submitted responses of a survey as CSV (Excel) and XLSX: a django-import-export resource
written by portal.spreadsheets.

One row per submitted response: the municipality (AGS and name), the person who submitted,
when, then a column per question in the survey's order. Multiple choice answers are joined
with "; ". Drafts are left out, as in the results. Three queries, however many responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from operator import attrgetter
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import TablibFormat
from import_export.resources import Resource

from members.reference.models import Authority
from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.spreadsheets import CSV, XLSX, column, export_response


def questions_of(survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.order_by("position", "id"))


def submitted_responses(survey: Survey) -> list[SurveyResponse]:
    return list(
        survey.responses.filter(status=SurveyResponse.Status.SUBMITTED)
        .select_related("organisation__authority", "user")
        .order_by("submitted_at", "pk")
    )


def answers_by_response(survey: Survey) -> dict[int, dict[int, Any]]:
    """response id → question id → value, of the submitted responses, in one query."""
    found: dict[int, dict[int, Any]] = {}
    rows = SurveyAnswer.objects.filter(
        response__survey=survey, response__status=SurveyResponse.Status.SUBMITTED
    ).values_list("response_id", "question_id", "value")
    for response_id, question_id, value in rows:
        found.setdefault(response_id, {})[question_id] = value
    return found


def answer_text(value: Any) -> str | int:
    """A cell: the text of a choice, the options of a multiple choice joined, a scale's
    number as a number."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


def person_name(response: SurveyResponse) -> str:
    user = response.user
    if user is None:  # the account has been deleted since
        return ""
    return user.get_full_name() or user.email


def authority_of(response: SurveyResponse) -> Authority | None:
    return response.organisation.authority if response.organisation else None


class SurveyResultResource(Resource):
    """One row per submitted response; one more column for each question, in its order."""

    ags = column(_("AGS"), lambda r: a.ags if (a := authority_of(r)) else "")
    municipality = column(_("Municipality"), lambda r: a.name if (a := authority_of(r)) else "")
    person = column(_("Person"), person_name)
    submitted = column(_("Submitted"), attrgetter("submitted_at"))

    def __init__(self, survey: Survey, questions: Sequence[SurveyQuestion]) -> None:
        super().__init__()
        answers = answers_by_response(survey)
        for question in questions:
            self.fields[f"question_{question.pk}"] = column(
                question.text, partial(answer_of, answers, question.pk)
            )


def answer_of(
    answers: dict[int, dict[int, Any]], question_pk: int, response: SurveyResponse
) -> str | int:
    return answer_text(answers.get(response.pk, {}).get(question_pk))


def filename(survey: Survey, extension: str) -> str:
    """For example "umfrage-zur-ehrenamtskarte-ergebnisse-2027-03-01.csv"."""
    stem = "-".join(
        part for part in (slugify(survey.title), slugify(gettext("results")), _today()) if part
    )
    return f"{stem}.{extension}"


def _today() -> str:
    return timezone.localdate().isoformat()


def export(survey: Survey, file_format: TablibFormat) -> HttpResponse:
    resource = SurveyResultResource(survey, questions_of(survey))
    name = filename(survey, file_format.get_extension())
    return export_response(
        resource, submitted_responses(survey), file_format, name, title=survey.title
    )


def csv_export(survey: Survey) -> HttpResponse:
    return export(survey, CSV)


def xlsx_export(survey: Survey) -> HttpResponse:
    return export(survey, XLSX)
