"""The form of one survey, built from its questions.

Saving a draft checks what was given (an answer must be one of the options, a scale value a
number of the scale, a text not too long) but not what is missing; submitting also asks for
every required answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.surveys.models import SurveyQuestion
from portal.forms import nothing_required

Kind = SurveyQuestion.Kind
TEXT_MAX_LENGTH = 5000
# A row of radio buttons instead of the column forms/field.html draws.
SCALE_TEMPLATE = "members/survey_detail.html#scale_field"


def field_name(question: SurveyQuestion) -> str:
    return f"question_{question.pk}"


def scale_choices(question: SurveyQuestion) -> list[tuple[int, str]]:
    """The values of a scale; the ends carry their labels, so that a screen reader reads
    "1 (not at all)" and not a bare number."""
    low, high = sorted((question.scale_min, question.scale_max))
    choices = []
    for value in range(low, high + 1):
        label = str(value)
        if value == question.scale_min and question.scale_min_label:
            label = f"{value} ({question.scale_min_label})"
        elif value == question.scale_max and question.scale_max_label:
            label = f"{value} ({question.scale_max_label})"
        choices.append((value, label))
    return choices


def _field(question: SurveyQuestion, required: bool) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.text,
        "required": required,
        # The field template prints help texts unescaped (they may hold markup of ours).
        "help_text": escape(question.help_text),
    }
    missing = {"required": _("Please answer this question.")}
    if question.kind == Kind.SINGLE:
        options = [(option, option) for option in question.option_list()]
        return forms.ChoiceField(
            choices=options,
            widget=forms.RadioSelect,
            error_messages={
                **missing,
                "invalid_choice": _("Please choose one of the answers shown."),
            },
            **common,
        )
    if question.kind == Kind.MULTIPLE:
        options = [(option, option) for option in question.option_list()]
        hint = escape(gettext("Several answers are possible."))
        common["help_text"] = f"{common['help_text']} {hint}".strip()
        return forms.MultipleChoiceField(
            choices=options,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": _("Please choose at least one answer."),
                "invalid_choice": _("Please choose only among the answers shown."),
                "invalid_list": _("Please choose only among the answers shown."),
            },
            **common,
        )
    if question.kind == Kind.SCALE:
        low, high = sorted((question.scale_min, question.scale_max))
        field = forms.TypedChoiceField(
            choices=scale_choices(question),
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"data-scale": ""}),
            error_messages={
                **missing,
                "invalid_choice": gettext("Please choose a value from %(low)s to %(high)s.")
                % {"low": low, "high": high},
            },
            **common,
        )
        field.template_name = SCALE_TEMPLATE  # type: ignore[attr-defined]  # missing in django-stubs
        return field
    return forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            **missing,
            "max_length": _(
                "Please shorten your answer to %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
        **common,
    )


class SurveyForm(forms.Form):
    """One field a question; `submit` decides whether required answers must be given.

    Fields keep `required` as the question says in both cases, so that the page marks the
    optional questions the same way whichever button was used.
    """

    def __init__(
        self,
        questions: Iterable[SurveyQuestion],
        *args: Any,
        submit: bool = False,
        answers: Mapping[int, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.questions = list(questions)
        answers = answers or {}
        kwargs.setdefault(
            "initial",
            {field_name(q): answers[q.pk] for q in self.questions if q.pk in answers},
        )
        super().__init__(*args, **kwargs)
        self.submit = submit
        for question in self.questions:
            # A choice without anything to choose from could never be submitted.
            answerable = question.kind not in (Kind.SINGLE, Kind.MULTIPLE) or bool(
                question.option_list()
            )
            self.fields[field_name(question)] = _field(question, question.required and answerable)

    def full_clean(self) -> None:
        # A draft may leave anything open; submitting checks every answer.
        with nothing_required([] if self.submit else self.fields.values()):
            super().full_clean()

    def answers(self) -> dict[int, Any]:
        """The cleaned answers by question id; empty ones as None (they remove a stored one)."""
        cleaned: dict[int, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if isinstance(value, str):
                value = value.strip()
            cleaned[question.pk] = value if value not in ("", [], None) else None
        return cleaned

    def rows(self) -> list[tuple[SurveyQuestion, forms.BoundField]]:
        return [(question, self[field_name(question)]) for question in self.questions]
