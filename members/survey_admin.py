"""Online surveys in Django admin: building them, their results, exports and reminders.

Staff write the questions as inline rows and choose the audience with the same rows of
segments as information e-mails (portal.mailings.forms). Who is asked, who has answered and the
reminders are members.surveys' business; the results page counts submitted responses only and
draws a bar chart per question on the server (members.survey_charts), with a table of the same
numbers beside it.

Once a question has submitted answers, its kind, its options and its scale stay as they are
(options may be added) and it cannot be removed: the results count answers by their text, and
a changed question would mix answers to two different questions. Its wording, explanation and
position may still be corrected. Who answers (municipality or person) is fixed by the first
response.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from members import survey_charts, survey_exports, surveys
from members.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.admin_tools.pages import admin_object, admin_page
from portal.mailings import segments
from portal.mailings.forms import AudienceFormSet, AudienceRowForm, choice_initial
from portal.models import User

Kind = SurveyQuestion.Kind
SUBMITTED = SurveyResponse.Status.SUBMITTED
CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
MAX_SCALE_STEPS = 11  # 0 … 10: the longest scale people answer reliably
LAST_POSITION = 32767  # where a question without a position goes before renumbering
TEMPLATES = "admin/members/survey/"
# The fields of a question that its submitted answers depend on.
LOCKED_FIELDS = ("kind", "options", "scale_min", "scale_max")


# --- Upcoming, open, closed -------------------------------------------------------------------

STATES = {
    "upcoming": pgettext_lazy("survey", "not yet open"),
    "open": pgettext_lazy("survey", "open"),
    "closed": pgettext_lazy("survey", "closed"),
}


def state(survey: Survey) -> str:
    now = timezone.now()
    if surveys.is_open(survey, now):
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


# --- The survey's form: fields and audience ---------------------------------------------------


class SurveyAudienceFormSet(AudienceFormSet):
    """The audience rows of information e-mails, with at least one segment: a survey without
    an audience asks nobody."""

    def clean(self) -> None:
        super().clean()
        if not any(self.errors) and not self.choices():
            raise ValidationError(
                _("Please choose at least one segment: who is asked to answer."),
                code="no_audience",
            )


AudienceRows = forms.formset_factory(AudienceRowForm, formset=SurveyAudienceFormSet, extra=2)


def _moment_field(label: Any) -> forms.DateTimeField:
    # One labelled input rather than admin's split date and time, whose two boxes have no
    # label of their own.
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("German time (Europe/Berlin)."),
        error_messages={"invalid": _("Please enter a date and time such as 01.03.2027 09:00.")},
    )


class SurveyForm(forms.ModelForm):
    opens_at = _moment_field(_("Opens"))
    closes_at = _moment_field(_("Closes"))

    class Meta:
        model = Survey
        fields = ("title", "introduction", "respondent", "opens_at", "closes_at")
        widgets = {"introduction": forms.Textarea(attrs={"rows": 6, "cols": 80})}
        help_texts = {
            "introduction": _("Shown above the questions: purpose, time needed, data protection."),
            "respondent": _(
                "Per municipality, any person of the municipality in the audience may answer, "
                "and one response counts for all of them."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audience_rows = cast(
            AudienceFormSet,
            AudienceRows(
                self.data if self.is_bound else None,
                prefix="audience",
                initial=[choice_initial(choice) for choice in self.instance.audience or []],
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The survey must close after it opens."))
        if (
            self.instance.pk
            and "respondent" in self.changed_data
            and self.instance.responses.exists()
        ):
            self.add_error(
                "respondent",
                _(
                    "Responses have been given already: who answers can no longer be changed. "
                    "Make a new survey instead."
                ),
            )
        if not self.audience_rows.is_valid():
            raise ValidationError(_("Please correct the audience below."), code="audience")
        cleaned["audience"] = self.audience_rows.choices()
        return cleaned

    def save(self, commit: bool = True) -> Survey:
        self.instance.audience = self.cleaned_data["audience"]
        return super().save(commit)


# --- Questions --------------------------------------------------------------------------------


def has_submitted_answers(question: SurveyQuestion) -> bool:
    return SurveyAnswer.objects.filter(question=question, response__status=SUBMITTED).exists()


class QuestionForm(forms.ModelForm):
    position = forms.IntegerField(
        label=_("Position"),
        required=False,
        min_value=0,
        max_value=LAST_POSITION,
        help_text=_("Empty: after the others. The questions are numbered anew on saving."),
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
    )

    class Meta:
        model = SurveyQuestion
        fields = (
            "position",
            "text",
            "help_text",
            "kind",
            "required",
            "options",
            "scale_min",
            "scale_max",
            "scale_min_label",
            "scale_max_label",
        )
        widgets = {
            "text": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "help_text": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "options": forms.Textarea(attrs={"rows": 5, "cols": 60}),
        }
        help_texts = {
            "scale_max": _("At most 11 steps, e.g. 0 to 10 or 1 to 5."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial["position"] = None  # not the model's 0, which would put it first

    def clean_position(self) -> int:
        position = self.cleaned_data.get("position")
        return LAST_POSITION if position is None else position

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        options = [line.strip() for line in cleaned.get("options", "").splitlines()]
        options = [option for option in options if option]
        if kind in CHOICE_KINDS:
            self._check_options(options)
        else:
            cleaned["options"] = ""  # only choices have options; left-overs would confuse
        if kind == Kind.SCALE:
            self._check_scale(cleaned.get("scale_min"), cleaned.get("scale_max"))
        if self.instance.pk and not self.errors:
            self._check_unchanged(cleaned, options)
        return cleaned

    def _check_options(self, options: list[str]) -> None:
        if len(options) < 2:
            self.add_error(
                "options",
                _("Please give at least two answers to choose from, one a line."),
            )
        seen: set[str] = set()
        twice = []
        for option in options:
            if option.casefold() in seen:
                twice.append(option)
            seen.add(option.casefold())
        if twice:
            self.add_error(
                "options",
                _("Each answer may be given once; twice: %(options)s")
                % {"options": ", ".join(f"“{option}”" for option in twice)},
            )

    def _check_scale(self, low: int | None, high: int | None) -> None:
        if low is None or high is None:
            return
        if low >= high:
            self.add_error("scale_max", _("The highest value must be greater than the lowest."))
        elif high - low + 1 > MAX_SCALE_STEPS:
            self.add_error(
                "scale_max",
                _("A scale may have at most %(steps)d steps; this one has %(count)d.")
                % {"steps": MAX_SCALE_STEPS, "count": high - low + 1},
            )

    def _check_unchanged(self, cleaned: dict[str, Any], options: list[str]) -> None:
        """The kind, options and scale of a question with submitted answers stay; options may
        be added. Only asks the database when one of them changes."""
        question = self.instance  # still as stored: the form's values are applied after clean
        changed = [
            name
            for name in ("kind", "scale_min", "scale_max")
            if cleaned.get(name) != getattr(question, name)
        ]
        dropped = [option for option in question.option_list() if option not in options]
        if question.kind not in CHOICE_KINDS:
            dropped = []
        if not (changed or dropped) or not has_submitted_answers(question):
            return
        if "kind" in changed:
            self.add_error(
                "kind",
                _("Responses have been submitted: the kind of answer can no longer be changed."),
            )
        elif dropped:
            self.add_error(
                "options",
                _(
                    "Responses have been submitted: answers to choose from may be added, but not "
                    "removed or changed: %(options)s"
                )
                % {"options": ", ".join(f"“{option}”" for option in dropped)},
            )
        for name in ("scale_min", "scale_max"):
            if name in changed and question.kind == Kind.SCALE:
                self.add_error(
                    name, _("Responses have been submitted: the scale can no longer be changed.")
                )


class QuestionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        deleted = self.deleted_forms
        kept = [
            form
            for form in self.forms
            if form not in deleted and (form.instance.pk or form.has_changed())
        ]
        if not kept:
            raise ValidationError(_("Please add at least one question."), code="no_questions")
        answered = [
            str(form.instance)
            for form in self.deleted_forms
            if form.instance.pk and has_submitted_answers(form.instance)
        ]
        if answered:
            raise ValidationError(
                _(
                    "Responses have been submitted: these questions cannot be removed, or their "
                    "answers would be lost: %(questions)s"
                )
                % {"questions": "; ".join(f"“{text}”" for text in answered)},
                code="answered",
            )


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
    questions = survey_exports.questions_of(survey)
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
class SurveyAdmin(admin.ModelAdmin):
    form = SurveyForm
    inlines = (QuestionInline,)
    list_display = ("title", "state_display", "respondent", "responses", "opens_at", "closes_at")
    list_filter = (StateFilter, "respondent")
    search_fields = ("title", "introduction")
    date_hierarchy = "opens_at"
    readonly_fields = ("created_by", "created_at", "reminded_at")
    actions = ("send_reminders",)

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
                expected[key] = len(surveys.respondents(survey))
            survey.expected_count = expected[key]
        return changelist

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

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Survey | None = None,
    ) -> HttpResponse:
        context["audience_editable"] = obj is None or self.has_change_permission(request, obj)
        if obj is not None and obj.pk:
            context.update(
                audience_descriptions=[segments.describe(choice) for choice in obj.audience],
                expected=len(surveys.respondents(obj)),
                submitted=obj.responses.filter(status=SUBMITTED).count(),
                tool_urls=self._tool_urls(request, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _tool_urls(self, request: HttpRequest, survey: Survey) -> dict[str, str]:
        return {
            name: self._url(name, survey)
            for name in ("results", "results_csv", "results_xlsx", "non_responders")
        }

    def _url(self, name: str, survey: Survey) -> str:
        return reverse(f"admin:members_survey_{name}", args=[quote(survey.pk)])

    def get_urls(self) -> list[URLPattern]:
        def view(function: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(function)

        own = [
            path(route, view(function), name=f"members_survey_{name}")
            for route, name, function in (
                ("<path:object_id>/results/", "results", self.results_view),
                ("<path:object_id>/results.csv", "results_csv", self.results_csv_view),
                ("<path:object_id>/results.xlsx", "results_xlsx", self.results_xlsx_view),
                ("<path:object_id>/non-responders/", "non_responders", self.non_responders_view),
                ("<path:object_id>/remind/", "remind", self.remind_view),
            )
        ]
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
        expected = len(surveys.respondents(survey))
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
        return survey_exports.csv_export(cast(Survey, admin_object(self, request, object_id)))

    def results_xlsx_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return survey_exports.xlsx_export(cast(Survey, admin_object(self, request, object_id)))

    # --- Non-responders and reminders ------------------------------------------------------

    def non_responders_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        survey = cast(Survey, admin_object(self, request, object_id))
        missing = surveys.non_responders(survey)
        may_remind = self.has_change_permission(request, survey) and surveys.is_open(survey)
        return self._page(
            request,
            "non_responders.html",
            gettext("Non-responders"),
            survey,
            non_responders=missing,
            is_open=surveys.is_open(survey),
            expected=len(surveys.respondents(survey)),
            remind_url=self._url("remind", survey) if may_remind and missing else "",
            results_url=self._url("results", survey),
        )

    def remind_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then remind the non-responders of one survey."""
        survey = cast(Survey, admin_object(self, request, object_id, change=True))
        back = HttpResponseRedirect(self._url("non_responders", survey))
        if not surveys.is_open(survey):
            self.message_user(request, _not_open_message(survey), messages.ERROR)
            return back
        if request.method == "POST":
            mails = surveys.send_reminders(survey)
            self.message_user(request, _reminded_message(mails), messages.SUCCESS)
            return back
        return self._remind_page(request, [survey])

    def _remind_page(
        self, request: HttpRequest, chosen: Sequence[Survey], action: str = ""
    ) -> TemplateResponse:
        items = []
        for survey in chosen:
            is_open = surveys.is_open(survey)
            missing = surveys.non_responders(survey) if is_open else []
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
            if surveys.is_open(survey):
                mails += surveys.send_reminders(survey)
            else:
                self.message_user(request, _not_open_message(survey), messages.WARNING)
        self.message_user(request, _reminded_message(mails), messages.SUCCESS)
        return None


def _not_open_message(survey: Survey) -> str:
    return gettext("“%(title)s” is not open: nobody is reminded.") % {"title": survey.title}


def _reminded_message(mails: int) -> str:
    return ngettext(
        "%(count)d reminder has been queued in the outbox.",
        "%(count)d reminders have been queued in the outbox.",
        mails,
    ) % {"count": mails}
