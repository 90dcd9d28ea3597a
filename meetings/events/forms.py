"""Forms of the event pages: filtering the list, registering for an event (members and guests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.forms import BoundField
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from meetings.events.models import Event, Registration, RegistrationQuestion
from portal.models import User

NEEDS_MAX_LENGTH = 1000
TOO_LONG = _("Please use at most %(limit_value)d characters (now %(show_value)d).")


def _with_all(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("all")), *choices]


class EventFilterForm(forms.Form):
    """The filters of the event list; invalid values are ignored by the view."""

    kind = forms.ChoiceField(
        label=_("Kind of event"), choices=_with_all(Event.Kind.choices), required=False
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=_with_all(Event.Format.choices), required=False
    )
    audience = forms.ChoiceField(
        label=_("Who may register"), choices=_with_all(Event.Audience.choices), required=False
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name())


ANSWER_MAX_LENGTH = 500
YES_NO: list[tuple[str, Any]] = [("yes", _("yes")), ("no", _("no"))]


class EventQuestionsForm(forms.Form):
    """Adds a field for each of the event's own questions, named `question_<id>`."""

    def __init__(
        self, *args: Any, questions: Iterable[RegistrationQuestion] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = _question_field(question)

    def question_fields(self) -> list[BoundField]:
        return [self[f"question_{question.pk}"] for question in self.questions]

    def answers(self) -> list[dict[str, object]]:
        """The answers given, each with the wording of its question (for lists and exports)."""
        answers: list[dict[str, object]] = []
        for question in self.questions:
            value = self.cleaned_data.get(f"question_{question.pk}") or ""
            if question.kind == RegistrationQuestion.Kind.YES_NO and value:
                value = str(dict(YES_NO)[value])
            if value:
                answers.append({"question": question.pk, "label": question.label, "answer": value})
        return answers


def _question_field(question: RegistrationQuestion) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.label,
        # The field template prints help texts unescaped (they may hold markup of ours).
        "help_text": escape(question.help_text),
        "required": question.required,
    }
    if question.kind == RegistrationQuestion.Kind.TEXT:
        return forms.CharField(
            max_length=ANSWER_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 2}),
            error_messages={"max_length": TOO_LONG},
            **common,
        )
    choices: list[tuple[str, Any]] = (
        list(YES_NO)
        if question.kind == RegistrationQuestion.Kind.YES_NO
        else [(answer, answer) for answer in question.choice_list()]
    )
    return forms.ChoiceField(
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose an answer."),
            "invalid_choice": _("Please choose one of the answers shown."),
        },
        **common,
    )


class RegistrationForm(EventQuestionsForm):
    """Registering oneself or, for contacts, a colleague; the service decides the rest."""

    participant = PersonChoiceField(
        label=_("Who takes part"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("I register myself"),
        help_text=_("As contact person, you can also register a colleague of your municipality."),
    )
    listed_consent = forms.BooleanField(
        label=_("I agree to appear on the participant list given to participants."),
        required=False,
    )
    needs = forms.CharField(
        label=_("Dietary or accessibility needs"),
        max_length=NEEDS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: vegetarian food, step-free access, sign language."),
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args: Any, colleagues: QuerySet[User] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if colleagues is None:
            del self.fields["participant"]
        else:
            cast(PersonChoiceField, self.fields["participant"]).queryset = colleagues


def _max_length(field: str) -> int:
    return cast(int, cast(models.Field, Registration._meta.get_field(field)).max_length)


class GuestRegistrationForm(EventQuestionsForm):
    """A guest's registration for an open event, before the address is confirmed."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=_max_length("guest_name"),
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=_max_length("guest_email"),
        help_text=_("We send you a link to confirm your registration."),
        error_messages={"max_length": TOO_LONG},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation = forms.CharField(
        label=_("Your organisation or initiative"),
        max_length=_max_length("guest_organisation"),
        required=False,
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    listed_consent = RegistrationForm.base_fields["listed_consent"]
    needs = RegistrationForm.base_fields["needs"]
    privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my details are stored for this event."
        ),
        error_messages={"required": _("Please confirm that you have read the privacy notice.")},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The link is built here: the URL configuration is not loaded when the class is.
        self.fields["privacy"].help_text = format_html(
            '<a class="kern-link" href="{}">{}</a>',
            reverse("privacy"),
            _("Read the privacy notice"),
        )
