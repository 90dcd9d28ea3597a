"""Forms of the event pages (filtering the list, registering members and guests) and of the
event's tools in admin (cancelling events, writing to the registrants)."""

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
from django.utils.translation import pgettext_lazy

from meetings.events.models import Event, Registration, RegistrationQuestion
from members.models import Affiliation
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


REGISTRAR_HINTS: dict[str, Any] = {
    Affiliation.Role.CONTACT: _(
        "As contact person, you can also register a colleague of your municipality. The list "
        "shows only those who may take part in this event."
    ),
    Affiliation.Role.HEAD: _(
        "As head of administration, you can also register a colleague of your municipality. "
        "The list shows only those who may take part in this event."
    ),
}


class RegistrationForm(EventQuestionsForm):
    """Registering oneself or, for contacts, a colleague; the service decides the rest."""

    participant = PersonChoiceField(
        label=_("Who takes part"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("I register myself"),
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

    def __init__(
        self,
        *args: Any,
        colleagues: QuerySet[User] | None = None,
        role: str | None = None,
        **kwargs: Any,
    ):
        """`colleagues`: whom the registrar may register besides themselves, only people the
        event admits (none: no choice); `role`: the registrar's, for the hint."""
        super().__init__(*args, **kwargs)
        if colleagues is None or not colleagues.exists():
            del self.fields["participant"]
            return
        field = cast(PersonChoiceField, self.fields["participant"])
        field.queryset = colleagues
        field.help_text = REGISTRAR_HINTS.get(role or "", "")


def _max_length(field: str) -> int:
    return cast(int, cast(models.Field, Registration._meta.get_field(field)).max_length)


def _guest_detail(
    field_class: type[forms.CharField], field: str, autocomplete: str, **kwargs: Any
) -> forms.CharField:
    """A field for what a guest tells about themselves, as long as the registration keeps it."""
    return field_class(
        max_length=_max_length(field),
        error_messages={"max_length": TOO_LONG},
        widget=field_class.widget(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class GuestRegistrationForm(EventQuestionsForm):
    """A guest's registration for an open event, before the address is confirmed."""

    name = _guest_detail(forms.CharField, "guest_name", "name", label=_("Your name"))
    email = _guest_detail(
        forms.EmailField,
        "guest_email",
        "email",
        label=_("Your e-mail address"),
        help_text=_("We send you a link to confirm your registration."),
    )
    organisation = _guest_detail(
        forms.CharField,
        "guest_organisation",
        "organization",
        label=_("Your organisation or initiative"),
        required=False,
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


# --- The event's tools in admin ---------------------------------------------------------------

SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000
CANCEL_MESSAGE_MAX_LENGTH = 5_000
# Where a refusal of meetings.events.notices.message_registrants belongs on MessageForm.
ERROR_FIELDS = {"no_subject": "subject", "no_body": "body", "no_recipients": "statuses"}


class CancelEventsForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the registrants (optional)"),
        required=False,
        max_length=CANCEL_MESSAGE_MAX_LENGTH,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "class": "vLargeTextField"}),
        help_text=_(
            "Added to the cancellation e-mail, for example the reason or a new date. Everyone "
            "with a place or on the waiting list gets the e-mail."
        ),
    )


RECIPIENT_CHOICES = [
    (Registration.Status.CONFIRMED.value, pgettext_lazy("recipients", "participants with a place")),
    (
        Registration.Status.WAITLISTED.value,
        pgettext_lazy("recipients", "people on the waiting list"),
    ),
]


class MessageForm(forms.Form):
    """Staff's e-mail to the registrants of an event; meetings.events.notices sends it."""

    statuses = forms.MultipleChoiceField(
        label=_("To"),
        choices=RECIPIENT_CHOICES,
        initial=[Registration.Status.CONFIRMED],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose who gets the e-mail.")},
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        error_messages={"required": _("Please enter a subject."), "max_length": TOO_LONG},
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80, "class": "vLargeTextField"}),
        help_text=_(
            "Plain text. The e-mail greets each person by name and ends with a link to their "
            "registration."
        ),
        error_messages={
            "required": _("Please enter the text of the e-mail."),
            "max_length": TOO_LONG,
        },
    )

    def __init__(self, *args: Any, counts: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["statuses"])
        # The number of recipients of each choice, so that staff see whom they write to.
        field.choices = [
            (value, f"{label} ({counts.get(value, 0)})") for value, label in RECIPIENT_CHOICES
        ]
