"""The forms of the surveys' admin: the survey with its audience rows, and its questions.

Once a question has submitted answers, its kind, its options and its scale stay as they are
(options may be added) and it cannot be removed; who answers is fixed by the first response.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.surveys import copying
from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from portal.admin_tools.admin_forms import CopyOffsetForm
from portal.mailings.forms import AudienceFormSet, AudienceRowForm, choice_initial
from portal.widgets import DateTimeInput

Kind = SurveyQuestion.Kind
SUBMITTED = SurveyResponse.Status.SUBMITTED
CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
MAX_SCALE_STEPS = 11  # 0 … 10: the longest scale people answer reliably
LAST_POSITION = 32767  # where a question without a position goes before renumbering
# The fields of a question that its submitted answers depend on.
LOCKED_FIELDS = ("kind", "options", "scale_min", "scale_max")


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
        widget=DateTimeInput(),
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
        label=pgettext_lazy("place in an order", "Position"),
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


class CopySurveysForm(CopyOffsetForm):
    """The offset for copies of surveys: their opening and closing move by it."""

    def __init__(self, *args: Any, surveys: Sequence[Survey], **kwargs: Any) -> None:
        super().__init__(*args, records=surveys, too_early=copying.too_early, **kwargs)
