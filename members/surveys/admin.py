"""Online surveys in Django admin: building them, their results, exports and reminders.

Staff write the questions as inline rows and choose the audience with the same rows of
segments as information e-mails (portal.mailing_admin). Who is asked, who has answered and the
reminders are members.surveys.services' business; the results page counts submitted responses
only and draws a bar chart per question on the server (members.surveys.charts), with a table
of the same numbers beside it. The forms, with the rules for questions that have answers, are
in members.surveys.admin_forms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from members.surveys import charts as survey_charts
from members.surveys import copying, exports, services
from members.surveys.admin_forms import (
    CopySurveysForm,
    QuestionForm,
    QuestionFormSet,
    SurveyForm,
)
from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.admin_tools.pages import (
    ChangeFormContextMixin,
    admin_object,
    admin_page,
    copied_from_link,
    copies_made,
    object_url,
    own_urls,
)
from portal.http import logged_in_user
from portal.mailings import segments
from portal.models import User

Kind = SurveyQuestion.Kind
SUBMITTED = SurveyResponse.Status.SUBMITTED
TEMPLATES = "admin/members/survey/"


# --- Upcoming, open, closed -------------------------------------------------------------------

STATES = {
    "upcoming": pgettext_lazy("survey", "not yet open"),
    "open": pgettext_lazy("survey", "open"),
    "closed": pgettext_lazy("survey", "closed"),
}


def state(survey: Survey) -> str:
    now = timezone.now()
    if services.is_open(survey, now):
        return "open"
    return "upcoming" if survey.opens_at > now else "closed"


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(STATES.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(opens_at__gt=now)
        if self.value() == "open":
            return queryset.filter(opens_at__lte=now, closes_at__gt=now)
        if self.value() == "closed":
            return queryset.filter(closes_at__lte=now)
        return queryset


class QuestionInline(admin.StackedInline):
    model = SurveyQuestion
    form = QuestionForm
    formset = QuestionFormSet
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("position", "kind", "required"),
                    "text",
                    "help_text",
                    "options",
                    ("scale_min", "scale_max"),
                    ("scale_min_label", "scale_max_label"),
                )
            },
        ),
    )

    def get_extra(self, request: HttpRequest, obj: Survey | None = None, **kwargs: Any) -> int:
        # Without JavaScript, an empty row is the only way to add a question.
        return 1

    # Questions are part of their survey: whoever may write the survey writes its questions,
    # without permissions of their own.
    def _may_edit(self, request: HttpRequest, obj: Any) -> bool:
        permission = "change" if obj is not None else "add"
        return request.user.has_perm(f"members.{permission}_survey")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("members.view_survey") or self._may_edit(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    number: int
    question: SurveyQuestion
    counts: survey_charts.Counts | None  # None for free text
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
    questions = exports.questions_of(survey)
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
            counts = survey_charts.count_scale(
                question.scale_min,
                question.scale_max,
                values[question.pk],
                question.scale_min_label,
                question.scale_max_label,
            )
        else:
            counts = survey_charts.count_choices(question.option_list(), values[question.pk])
        chart = survey_charts.bar_chart(f"question-{question.pk}", title, counts.bars)
        results.append(QuestionResult(number, question, counts, chart, []))
    return results


def response_rate(submitted: int, expected: int) -> str:
    if not expected:
        return "–"
    return survey_charts.percent_text(100 * submitted / expected)


# --- The admin --------------------------------------------------------------------------------


def _submitted_count() -> Coalesce:
    counted = (
        SurveyResponse.objects.filter(survey=OuterRef("pk"), status=SUBMITTED)
        .order_by()
        .values("survey")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def _audience_key(survey: Survey) -> str:
    return json.dumps([survey.audience, survey.respondent], sort_keys=True, default=str)


@admin.register(Survey)
class SurveyAdmin(ChangeFormContextMixin, admin.ModelAdmin):
    form = SurveyForm
    inlines = (QuestionInline,)
    list_display = ("title", "state_display", "respondent", "responses", "opens_at", "closes_at")
    list_filter = (StateFilter, "respondent")
    search_fields = ("title", "introduction")
    date_hierarchy = "opens_at"
    readonly_fields = ("created_by", "created_at", "reminded_at", "copied_from_display")
    actions = ("send_reminders", "copy_as_template")

    def get_fieldsets(self, request: HttpRequest, obj: Survey | None = None) -> Any:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("title", "introduction")}),
            (_("Who answers, and when"), {"fields": ("respondent", "opens_at", "closes_at")}),
        ]
        if obj is not None:
            fieldsets.append(
                (_("Record"), {"fields": self.readonly_fields, "classes": ("collapse",)})
            )
        return fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return super().get_queryset(request).annotate(submitted_count=_submitted_count())

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # The expected respondents of the page's surveys; surveys with the same audience
        # (all contact persons, say) share one count.
        expected: dict[str, int] = {}
        for survey in changelist.result_list:
            key = _audience_key(survey)
            if key not in expected:
                expected[key] = len(services.respondents(survey))
            survey.expected_count = expected[key]
        return changelist

    @admin.display(description=_("copied from"))
    def copied_from_display(self, survey: Survey) -> str:
        return copied_from_link(self, survey)

    @admin.display(description=_("state"))
    def state_display(self, survey: Survey) -> str:
        return str(STATES[state(survey)])

    @admin.display(description=_("submitted / expected"), ordering="submitted_count")
    def responses(self, survey: Survey) -> str:
        submitted = getattr(survey, "submitted_count", 0)
        expected = getattr(survey, "expected_count", None)
        return format_html(
            '<a href="{}">{} / {}</a>',
            self._url("results", survey),
            submitted,
            "?" if expected is None else expected,
        )

    def save_model(self, request: HttpRequest, obj: Survey, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = cast(User, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is SurveyQuestion:
            # Positions 1, 2, 3 …: gaps and doubles from editing go away.
            questions = list(form.instance.questions.order_by("position", "id"))
            for number, question in enumerate(questions, start=1):
                question.position = number
            SurveyQuestion.objects.bulk_update(questions, ["position"])

    # --- The change page: audience, expected respondents, tools --------------------------

    def change_form_context(self, request: HttpRequest, obj: Survey | None) -> dict[str, Any]:
        context: dict[str, Any] = {
            "audience_editable": obj is None or self.has_change_permission(request, obj)
        }
        if obj is not None and obj.pk:
            context.update(
                audience_descriptions=[segments.describe(choice) for choice in obj.audience],
                expected=len(services.respondents(obj)),
                submitted=obj.responses.filter(status=SUBMITTED).count(),
                tool_urls=self._tool_urls(request, obj),
            )
        return context

    def _tool_urls(self, request: HttpRequest, survey: Survey) -> dict[str, str]:
        return {
            name: self._url(name, survey)
            for name in ("results", "results_csv", "results_xlsx", "non_responders")
        }

    def _url(self, name: str, survey: Survey) -> str:
        return object_url(self, name, survey)

    def get_urls(self) -> list[URLPattern]:
        own = own_urls(
            self,
            [
                ("<path:object_id>/results/", "results", self.results_view),
                ("<path:object_id>/results.csv", "results_csv", self.results_csv_view),
                ("<path:object_id>/results.xlsx", "results_xlsx", self.results_xlsx_view),
                ("<path:object_id>/non-responders/", "non_responders", self.non_responders_view),
                ("<path:object_id>/remind/", "remind", self.remind_view),
            ],
        )
        return own + super().get_urls()

    def _page(
        self, request: HttpRequest, template: str, title: str, survey: Survey, **context: Any
    ) -> TemplateResponse:
        return admin_page(
            self,
            request,
            TEMPLATES + template,
            title,
            original=survey,
            change_url=self._url("change", survey),
            state=STATES[state(survey)],
            **context,
        )

    # --- Results and exports ---------------------------------------------------------------

    def results_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        survey = cast(Survey, admin_object(self, request, object_id))
        submitted = survey.responses.filter(status=SUBMITTED).count()
        expected = len(services.respondents(survey))
        return self._page(
            request,
            "results.html",
            gettext("Results"),
            survey,
            submitted=submitted,
            expected=expected,
            rate=response_rate(submitted, expected),
            results=question_results(survey),
            tool_urls=self._tool_urls(request, survey),
        )

    def results_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return exports.csv_export(cast(Survey, admin_object(self, request, object_id)))

    def results_xlsx_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return exports.xlsx_export(cast(Survey, admin_object(self, request, object_id)))

    # --- Non-responders and reminders ------------------------------------------------------

    def non_responders_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        survey = cast(Survey, admin_object(self, request, object_id))
        missing = services.non_responders(survey)
        may_remind = self.has_change_permission(request, survey) and services.is_open(survey)
        return self._page(
            request,
            "non_responders.html",
            gettext("Non-responders"),
            survey,
            non_responders=missing,
            is_open=services.is_open(survey),
            expected=len(services.respondents(survey)),
            remind_url=self._url("remind", survey) if may_remind and missing else "",
            results_url=self._url("results", survey),
        )

    def remind_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then remind the non-responders of one survey."""
        survey = cast(Survey, admin_object(self, request, object_id, change=True))
        back = HttpResponseRedirect(self._url("non_responders", survey))
        if not services.is_open(survey):
            self.message_user(request, _not_open_message(survey), messages.ERROR)
            return back
        if request.method == "POST":
            mails = services.send_reminders(survey)
            self.message_user(request, _reminded_message(mails), messages.SUCCESS)
            return back
        return self._remind_page(request, [survey])

    def _remind_page(
        self, request: HttpRequest, chosen: Sequence[Survey], action: str = ""
    ) -> TemplateResponse:
        items = []
        for survey in chosen:
            is_open = services.is_open(survey)
            missing = services.non_responders(survey) if is_open else []
            people = {person.pk for respondent in missing for person in respondent.people}
            items.append({"survey": survey, "open": is_open, "people": len(people)})
        return admin_page(
            self,
            request,
            TEMPLATES + "remind.html",
            gettext("Send reminders to non-responders"),
            action=action,
            items=items,
            people=sum(item["people"] for item in items),
            form=None,
        )

    @admin.action(description=_("Send reminders to non-responders"), permissions=["change"])
    def send_reminders(
        self, request: HttpRequest, queryset: QuerySet[Survey]
    ) -> TemplateResponse | None:
        chosen = list(queryset)
        if "apply" not in request.POST:
            return self._remind_page(request, chosen, action="send_reminders")
        mails = 0
        for survey in chosen:
            if services.is_open(survey):
                mails += services.send_reminders(survey)
            else:
                self.message_user(request, _not_open_message(survey), messages.WARNING)
        self.message_user(request, _reminded_message(mails), messages.SUCCESS)
        return None

    @admin.action(description=_("Copy as template for new surveys"), permissions=["add"])
    def copy_as_template(
        self, request: HttpRequest, queryset: QuerySet[Survey]
    ) -> HttpResponse | None:
        surveys = list(queryset)
        confirmed = "apply" in request.POST
        form = CopySurveysForm(request.POST if confirmed else None, surveys=surveys)
        if confirmed and form.is_valid():
            by, user = form.offset(), logged_in_user(request)
            return copies_made(
                self, request, [copying.copy_survey(survey, by, user) for survey in surveys]
            )
        return admin_page(
            self,
            request,
            "admin/copy_records.html",
            gettext("Copy as template for new surveys"),
            action="copy_as_template",
            records=surveys,
            form=form,
        )


def _not_open_message(survey: Survey) -> str:
    return gettext("“%(title)s” is not open: nobody is reminded.") % {"title": survey.title}


def _reminded_message(mails: int) -> str:
    return ngettext(
        "%(count)d reminder has been queued in the outbox.",
        "%(count)d reminders have been queued in the outbox.",
        mails,
    ) % {"count": mails}
