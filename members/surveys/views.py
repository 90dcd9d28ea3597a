"""The respondents' pages of online surveys: the list of a person's surveys and one survey.

Who may open a survey: the people its audience names (for a per-organisation survey only
those with a municipality, who all edit the municipality's one response). After the survey,
the person who last saved a response may still read it, even if the audience changed since.
Staff who are not asked themselves see a preview of the questions and cannot save. Anyone
else gets 404, as if the survey did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from members.people.services import organisation_for
from members.surveys import services as surveys
from members.surveys.forms import SurveyForm, field_name
from members.surveys.models import Survey, SurveyQuestion, SurveyResponse
from members.surveys.services import Respondent
from portal.http import logged_in_user
from portal.models import User

Status = SurveyResponse.Status
Kind = SurveyQuestion.Kind


@dataclass(frozen=True)
class SurveyAccess:
    survey: Survey
    respondent: Respondent | None  # None: the user only reads (a past response or a preview)
    response: SurveyResponse | None
    preview: bool = False


def _survey_for_user(request: HttpRequest, pk: int) -> SurveyAccess:
    """The survey as the user may see it; 404 for surveys not addressed to the user."""
    user = logged_in_user(request)
    survey = get_object_or_404(Survey.objects.select_related("created_by"), pk=pk)
    respondent = surveys.respondent_for(survey, user)
    if respondent is not None:
        return SurveyAccess(survey, respondent, surveys.response_for(survey, respondent))
    own = _own_past_response(survey, user)
    if own is not None:
        return SurveyAccess(survey, None, own)
    if user.is_staff:
        return SurveyAccess(survey, None, None, preview=True)
    raise Http404


def _own_past_response(survey: Survey, user: User) -> SurveyResponse | None:
    """A response the user saved last, kept readable when the audience no longer names them."""
    response = (
        SurveyResponse.objects.select_related("user", "organisation__authority")
        .filter(survey=survey, user=user)
        .first()
    )
    if response is None or not surveys.may_read_closed(survey, user, response):
        return None
    return response


@login_required
@require_safe
def survey_list(request: HttpRequest) -> HttpResponse:
    entries = surveys.surveys_for(logged_in_user(request), organisation_for(request))
    return render(
        request,
        "members/survey_list.html",
        {
            "open_entries": [entry for entry in entries if entry.open],
            "closed_entries": [entry for entry in entries if not entry.open],
        },
    )


def _state(access: SurveyAccess) -> str:
    """What the page offers: "answer", "submitted", "preview", "upcoming", "closed" or "read"."""
    response = access.response
    if response is not None and response.status == Status.SUBMITTED:
        return "submitted"
    if access.preview:
        return "preview"
    survey = access.survey
    now = timezone.now()
    if now < survey.opens_at:
        return "upcoming"
    if now >= survey.closes_at:
        return "closed"
    return "answer" if access.respondent is not None else "read"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = _survey_for_user(request, pk)
    survey = access.survey
    questions = surveys.questions(survey)
    state = _state(access)
    stored = surveys.answers_of(access.response)
    if request.method == "POST":
        if state != "answer":
            return _refuse(request, access, questions, stored, state)
        return _answer(request, access, questions, stored)
    form = None
    if state in ("answer", "preview"):
        form = SurveyForm(questions, answers=stored)
        for field in form.fields.values():
            field.disabled = state == "preview"
    return _page(request, access, questions, stored, state, form)


def _answer(
    request: HttpRequest,
    access: SurveyAccess,
    questions: list[SurveyQuestion],
    stored: dict[int, Any],
) -> HttpResponse:
    submit = request.POST.get("action") == "submit"
    form = SurveyForm(questions, request.POST, submit=submit)
    if form.is_valid():
        return _save(request, access, form, submit)
    return _page(request, access, questions, stored, "answer", form)


def _save(
    request: HttpRequest, access: SurveyAccess, form: SurveyForm, submit: bool
) -> HttpResponse:
    survey = access.survey
    try:
        surveys.save_response(
            survey,
            logged_in_user(request),
            form.answers(),
            submit=submit,
            respondent=access.respondent,
        )
    except surveys.AlreadySubmitted:
        messages.error(
            request,
            _("These answers had already been submitted; your changes were not saved."),
        )
    except surveys.SurveyClosed:
        messages.error(request, _("The survey has closed; your answers could not be saved."))
    except surveys.NotARespondent:
        raise Http404 from None
    else:
        if submit:
            messages.success(
                request,
                _("Thank you: your answers have been submitted. We have sent you a confirmation."),
            )
        else:
            messages.success(
                request, _("Your draft has been saved. You can continue and submit it later.")
            )
    return redirect("members:survey", survey.pk)


def _refuse(
    request: HttpRequest,
    access: SurveyAccess,
    questions: list[SurveyQuestion],
    stored: dict[int, Any],
    state: str,
) -> HttpResponse:
    messages.error(request, _("Answers cannot be saved here: see the note on this page."))
    response = _page(request, access, questions, stored, state, None)
    response.status_code = 403
    return response


def _page(
    request: HttpRequest,
    access: SurveyAccess,
    questions: list[SurveyQuestion],
    stored: dict[int, Any],
    state: str,
    form: SurveyForm | None,
) -> HttpResponse:
    survey = access.survey
    return render(
        request,
        "members/survey_detail.html",
        {
            "survey": survey,
            "respondent": access.respondent,
            "response": access.response,
            "per_organisation": surveys.is_per_organisation(survey),
            "state": state,
            "form": form,
            "answered": _answered(questions, stored)
            if access.response is not None and state not in ("answer", "preview")
            else [],
            "has_required": any(question.required for question in questions),
        },
    )


@dataclass(frozen=True)
class AnsweredQuestion:
    question: SurveyQuestion
    value: Any  # as stored, or None

    @property
    def items(self) -> list[str]:
        return [str(item) for item in self.value] if isinstance(self.value, list) else []

    @property
    def field_id(self) -> str:
        return field_name(self.question)


def _answered(questions: list[SurveyQuestion], stored: dict[int, Any]) -> list[AnsweredQuestion]:
    return [AnsweredQuestion(question, stored.get(question.pk)) for question in questions]
