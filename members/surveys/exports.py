"""The submitted responses of a survey as CSV (Excel, see portal.spreadsheets) and XLSX.

One row per submitted response: the municipality (AGS and name), the person who submitted,
when, then a column per question in the survey's order. Multiple choice answers are joined
with "; ". Drafts are left out, as in the results. Three queries, however many responses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.spreadsheets import csv_response, xlsx_bytes, xlsx_response


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


def headers(questions: Sequence[SurveyQuestion]) -> list[str]:
    return [
        gettext("AGS"),
        gettext("Municipality"),
        gettext("Person"),
        gettext("Submitted"),
        *(question.text for question in questions),
    ]


def person_name(response: SurveyResponse) -> str:
    user = response.user
    if user is None:  # the account has been deleted since
        return ""
    return user.get_full_name() or user.email


def rows(survey: Survey, questions: Sequence[SurveyQuestion]) -> Iterable[list[object]]:
    answers = answers_by_response(survey)
    for response in submitted_responses(survey):
        authority = response.organisation.authority if response.organisation else None
        given = answers.get(response.pk, {})
        yield [
            authority.ags if authority else "",
            authority.name if authority else "",
            person_name(response),
            response.submitted_at,
            *(answer_text(given.get(question.pk)) for question in questions),
        ]


def filename(survey: Survey, extension: str) -> str:
    """For example "umfrage-zur-ehrenamtskarte-ergebnisse-2027-03-01.csv"."""
    stem = "-".join(
        part for part in (slugify(survey.title), slugify(gettext("results")), _today()) if part
    )
    return f"{stem}.{extension}"


def _today() -> str:
    return timezone.localdate().isoformat()


def csv_export(survey: Survey) -> HttpResponse:
    questions = questions_of(survey)
    return csv_response(filename(survey, "csv"), headers(questions), rows(survey, questions))


def xlsx_export(survey: Survey) -> HttpResponse:
    questions = questions_of(survey)
    content = xlsx_bytes(survey.title, headers(questions), rows(survey, questions))
    return xlsx_response(content, filename(survey, "xlsx"))
