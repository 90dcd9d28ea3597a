"""The results of a survey as staff see them: counts, a chart and the free texts per question.

Only submitted responses count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.safestring import SafeString

from members.surveys import charts
from members.surveys.exports import questions_of
from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse

Kind = SurveyQuestion.Kind
SUBMITTED = SurveyResponse.Status.SUBMITTED


@dataclass(frozen=True)
class QuestionResult:
    number: int
    question: SurveyQuestion
    counts: charts.Counts | None  # None for free text
    chart: SafeString | None
    texts: list[tuple[str, str]]  # free text: (municipality, answer)

    @property
    def answered(self) -> int:
        return self.counts.answered if self.counts else len(self.texts)

    @property
    def mean(self) -> str:
        if not self.counts or self.counts.mean is None:
            return ""
        return number_format(self.counts.mean, 1)


def question_results(survey: Survey) -> list[QuestionResult]:
    """Counts, chart and free texts of every question; the answers come in one query."""
    questions = questions_of(survey)
    values: dict[int, list[Any]] = {question.pk: [] for question in questions}
    texts: dict[int, list[tuple[str, str]]] = {question.pk: [] for question in questions}
    answers = (
        SurveyAnswer.objects.filter(response__survey=survey, response__status=SUBMITTED)
        .order_by("response__organisation__authority__name", "response__submitted_at", "pk")
        .values_list("question_id", "value", "response__organisation__authority__name")
    )
    for question_id, value, municipality in answers:
        values[question_id].append(value)
        if isinstance(value, str) and value.strip():
            texts[question_id].append((municipality or "", value))
    results = []
    for number, question in enumerate(questions, start=1):
        title = f"{number}. {question.text}"
        if question.kind == Kind.TEXT:
            results.append(QuestionResult(number, question, None, None, texts[question.pk]))
            continue
        if question.kind == Kind.SCALE:
            counts = charts.count_scale(
                question.scale_min,
                question.scale_max,
                values[question.pk],
                question.scale_min_label,
                question.scale_max_label,
            )
        else:
            counts = charts.count_choices(question.option_list(), values[question.pk])
        chart = charts.bar_chart(f"question-{question.pk}", title, counts.bars)
        results.append(QuestionResult(number, question, counts, chart, []))
    return results


def response_rate(submitted: int, expected: int) -> str:
    if not expected:
        return "–"
    return charts.percent_text(100 * submitted / expected)
