from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from members.applications.models import Application
from members.reference.models import Authority
from portal.uploads import validate_pdf
from portal.widgets import DateInput

MAX_ATTACHMENTS = 5


class AuthoritySearchForm(forms.Form):
    marks_optional = False  # a search: the field is optional by nature, so it is not marked

    q = forms.CharField(
        label=_("Name or official municipality key (AGS)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def results(self):
        if not self.is_valid():
            return Authority.objects.none()
        query = self.cleaned_data["q"].strip()
        if len(query) < 2:
            return Authority.objects.none()
        matches = Authority.objects.select_related("kreis")
        if query.isdigit():
            return matches.filter(ags__startswith=query)[:25]
        return matches.filter(name__icontains=query).order_by("name", "kind")[:25]


class AuthorityField(forms.ModelChoiceField):
    def to_python(self, value):
        # PostgreSQL cannot compare text holding NUL: such a key is no choice, and is not
        # looked up.
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class AuthorityChoiceForm(forms.Form):
    authority = AuthorityField(
        label=_("Municipality"),
        queryset=Authority.objects.all(),
        to_field_name="ags",
        error_messages={
            "required": _("Please choose your municipality from the list."),
            "invalid_choice": _(
                "Please choose a municipality of North Rhine-Westphalia from the list."
            ),
        },
    )


class ApplicationForm(forms.ModelForm):
    """The evidence for the five criteria; all optional while it is a draft."""

    class Meta:
        model = Application
        fields = [
            "contact_name",
            "contact_office",
            "contact_email",
            "cross_cutting_task",
            "willing_to_sign",
            "ehrenamtskarte_status",
            "ehrenamtskarte_planned_for",
            "comparable_instrument",
            "commits_to_participate",
        ]
        widgets = {
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "cross_cutting_task": forms.Textarea(attrs={"rows": 6}),
            "ehrenamtskarte_status": forms.RadioSelect,
            "ehrenamtskarte_planned_for": DateInput(),
            "comparable_instrument": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "cross_cutting_task": _(
                "For example: which office coordinates, how departments work together, "
                "which council decisions exist."
            ),
            "ehrenamtskarte_planned_for": _("Only if you plan to introduce the Ehrenamtskarte."),
            "comparable_instrument": _("Only if you have a comparable instrument."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Radio buttons without the empty "---------" choice of a blank model field.
        card = cast(forms.ChoiceField, self.fields["ehrenamtskarte_status"])
        card.choices = Application.EhrenamtskarteStatus.choices
        self.fields["willing_to_sign"].label = _("We are willing to sign the Gemeinsame Erklärung.")
        self.fields["commits_to_participate"].label = _(
            "We commit to take part in the network continuously and to develop it further."
        )
        for name in ("contact_name", "contact_office", "contact_email", "cross_cutting_task"):
            # Required to submit, not to save a draft: the criteria check says what is missing.
            self.fields[name].required = False


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Add a PDF document"),
        required=False,
        help_text=_("Optional: e.g. a council decision. PDF only, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, existing: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if self.existing >= MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("An application can have at most %(count)d attachments.")
                % {"count": MAX_ATTACHMENTS}
            )
        validate_pdf(upload)
        return upload


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Please write your answer.")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the application?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
