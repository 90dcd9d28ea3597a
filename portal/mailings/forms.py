"""The forms of the information e-mails: a mailing with its audience and its schedule (admin),
and a person's e-mail preferences (portal.mailings.views).

The audience is a list of segment choices (portal.mailings.segments) edited as rows of a small
formset, so that the page works without JavaScript.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import markdown
from portal.mailings import segments
from portal.mailings.audience import MAX_BODY_CHARS
from portal.mailings.models import Mailing, Topic
from portal.widgets import DateInput, TimeInput

BERLIN = ZoneInfo("Europe/Berlin")
MARKDOWN_HELP = _(
    "Markdown: an empty line between paragraphs, **bold**, *italic*, "
    "[text of the link](https://…), lists with “-” or “1.”, headings with “##”, quotes with "
    "“>”. No images; HTML is removed. The greeting and the unsubscribe link are added by "
    "themselves."
)


# --- The audience: rows of segment choices ----------------------------------------------------


def parameter_field_name(segment_key: str, parameter: str) -> str:
    """The form field of a segment's parameter; each segment has its own, so names never
    clash between segments."""
    return f"{segment_key.replace('.', '_')}__{parameter}"


def choice_initial(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The initial data of an AudienceRowForm for a stored choice (also used by surveys)."""
    key = str(choice.get("segment", ""))
    initial = {"segment": key}
    for name, value in choice.items():
        if name != "segment":
            initial[parameter_field_name(key, name)] = value
    return initial


class AudienceRowForm(forms.Form):
    """One segment with its parameters. The form holds the parameter fields of every segment
    (there is no JavaScript to swap them); only those of the chosen segment count."""

    segment = forms.ChoiceField(label=_("Segment"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registered = segments.segments()
        segment_field = cast(forms.ChoiceField, self.fields["segment"])
        segment_field.choices = [
            ("", gettext("– none –")),
            *((segment.key, segment.label) for segment in registered),
        ]
        # segment key -> {parameter: form field name}
        self.parameters: dict[str, dict[str, str]] = {}
        for segment in registered:
            names = {}
            for name, field in segment.parameter_fields().items():
                field_name = parameter_field_name(segment.key, name)
                field.required = False  # required only when its segment is chosen
                self.fields[field_name] = field
                names[name] = field_name
            self.parameters[segment.key] = names

    def parameter_groups(self) -> list[dict[str, Any]]:
        """The parameter fields by segment, for the template."""
        return [
            {
                "key": key,
                "css": key.replace(".", "-"),
                "label": segments.get_segment(key).label,
                "fields": [self[field_name] for field_name in names.values()],
            }
            for key, names in self.parameters.items()
            if names
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        key = cleaned.get("segment") or ""
        own = self.parameters.get(key, {})
        for names in self.parameters.values():
            for field_name in names.values():
                if field_name not in own.values():
                    # What was left in another segment's fields does not matter.
                    self.errors.pop(field_name, None)
                    cleaned.pop(field_name, None)
        cleaned["choice"] = None
        if not key or any(field_name in self.errors for field_name in own.values()):
            return cleaned
        choice: dict[str, Any] = {"segment": key}
        for name, field_name in own.items():
            value = cleaned.get(field_name)
            choice[name] = value.pk if isinstance(value, models.Model) else value
        try:
            cleaned["choice"] = segments.clean_choice(choice)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                self.add_error(own[name], problems)
        return cleaned


class AudienceFormSet(forms.BaseFormSet):
    def choices(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data["choice"] for form in self.forms if form.cleaned_data.get("choice")
        ]


IncludeFormSet = forms.formset_factory(AudienceRowForm, formset=AudienceFormSet, extra=2)
ExcludeFormSet = forms.formset_factory(AudienceRowForm, formset=AudienceFormSet, extra=1)


class MailingForm(forms.ModelForm):
    """Subject, text and topic, with the audience as two formsets: who gets it, who not."""

    class Meta:
        model = Mailing
        fields = ("subject", "body", "topic", "in_archive")
        help_texts = {"body": MARKDOWN_HELP}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 18, "cols": 80, "class": "vLargeTextField"})
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else None
        self.include_rows = cast(
            AudienceFormSet,
            IncludeFormSet(
                data, prefix="include", initial=[choice_initial(c) for c in self.instance.include]
            ),
        )
        self.exclude_rows = cast(
            AudienceFormSet,
            ExcludeFormSet(
                data, prefix="exclude", initial=[choice_initial(c) for c in self.instance.exclude]
            ),
        )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > MAX_BODY_CHARS:
            raise ValidationError(
                _("The text is too long: %(length)s characters, at most %(limit)s are possible."),
                params={"length": f"{len(body):,}", "limit": f"{MAX_BODY_CHARS:,}"},
            )
        if not markdown.to_text(body).strip():
            raise ValidationError(
                _(
                    "Once formatted, the text shows nothing: e-mails leave out HTML tags and "
                    "comments. Please write the message as text."
                )
            )
        return body

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        include_valid = self.include_rows.is_valid()
        exclude_valid = self.exclude_rows.is_valid()
        if not (include_valid and exclude_valid):
            raise ValidationError(_("Please correct the audience below."), code="audience")
        cleaned["include"] = self.include_rows.choices()
        cleaned["exclude"] = self.exclude_rows.choices()
        return cleaned

    def save(self, commit: bool = True) -> Mailing:
        self.instance.include = self.cleaned_data["include"]
        self.instance.exclude = self.cleaned_data["exclude"]
        return super().save(commit)


# --- Forms of the sending pages ---------------------------------------------------------------


class ScheduleForm(forms.Form):
    """When to send, in German time whatever the server's clock says."""

    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=DateInput(),
        error_messages={
            "required": _("Please enter the date."),
            "invalid": _("Please enter a date such as 24.12.2026."),
        },
    )
    time = forms.TimeField(
        label=_("Time"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=TimeInput(),
        help_text=_("German time (Europe/Berlin)."),
        error_messages={
            "required": _("Please enter the time."),
            "invalid": _("Please enter a time such as 09:30."),
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("date") and cleaned.get("time"):
            when = datetime.datetime.combine(cleaned["date"], cleaned["time"], tzinfo=BERLIN)
            if when <= timezone.now():
                self.add_error("date", _("Please choose a time in the future."))
            cleaned["when"] = when
        return cleaned


# --- Preferences ------------------------------------------------------------------------------


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        topic = cast(Topic, obj)
        return f"{topic.name} – {topic.description}" if topic.description else topic.name


class PreferencesForm(forms.Form):
    topics = TopicChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the topics you want to hear about."),
    )
    no_mail = forms.BooleanField(
        label=_("I do not want any information e-mails."),
        required=False,
        help_text=_(
            "Then no information e-mail reaches you, whatever the topic. Messages about your "
            "application, your registrations and the Gemeinsame Erklärung still do."
        ),
    )
