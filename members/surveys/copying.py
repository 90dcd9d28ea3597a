"""Copying a survey as the start of the next one: title, introduction, audience, who answers
and the questions with their answers to choose from, the dates moved by an offset.

A survey has no draft state of its own: it is answered between its opening and closing, so the
copy must open in the future, and stays "upcoming" (editable, seen by nobody) until then. No
response or answer of the original comes along, nor when it was last reminded.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from members.surveys.models import Survey, SurveyQuestion
from portal.copying import Offset, shifted, unsaved_copy
from portal.models import User


def too_early(survey: Survey, by: Offset) -> str:
    """Why the offset does not do for a copy of `survey` ("" if it does)."""
    opens = shifted(survey.opens_at, by)
    if opens is not None and opens <= timezone.now():
        when = formats.date_format(timezone.localtime(opens), "SHORT_DATETIME_FORMAT")
        return _("With this offset “%(survey)s” would open on %(date)s, which is in the past.") % {
            "survey": survey.title,
            "date": when,
        }
    return ""


@transaction.atomic
def copy_survey(survey: Survey, by: Offset, copied_by: User) -> Survey:
    problem = too_early(survey, by)
    if problem:
        raise ValidationError(problem)
    duplicate = unsaved_copy(
        survey,
        opens_at=shifted(survey.opens_at, by),
        closes_at=shifted(survey.closes_at, by),
        reminded_at=None,
        created_by=copied_by,
        copied_from=survey,
    )
    duplicate.save()
    SurveyQuestion.objects.bulk_create(
        unsaved_copy(question, survey=duplicate) for question in survey.questions.all()
    )
    return duplicate
