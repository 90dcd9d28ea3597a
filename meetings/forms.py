"""Forms of the event pages: filtering the list, registering for an event."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from meetings.models import Event
from portal.models import User

NEEDS_MAX_LENGTH = 1000


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


class RegistrationForm(forms.Form):
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
        error_messages={
            "max_length": _("Please use at most %(limit_value)d characters (now %(show_value)d).")
        },
    )

    def __init__(self, *args: Any, colleagues: QuerySet[User] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if colleagues is None:
            del self.fields["participant"]
        else:
            cast(PersonChoiceField, self.fields["participant"]).queryset = colleagues
