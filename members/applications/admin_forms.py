"""The forms of the network team's review steps and membership pages in admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.applications.models import Application, Membership
from portal.widgets import DateInput

Status = Application.Status


# The steps whose note is required: its label, the message when it is missing, the help text.
REQUIRED_NOTES: dict[str, tuple[Any, Any, Any]] = {
    Status.REJECTED: (
        _("Reason for the rejection"),
        _("Please give the reason."),
        _(
            "The contact persons of the municipality receive the reason by e-mail and see it in "
            "the history of their application."
        ),
    ),
    Status.QUERY: (
        _("Question to the applicant"),
        _("Please write your question."),
        _(
            "The contact persons of the municipality receive the question by e-mail and answer "
            "it in the portal."
        ),
    ),
}


class StepNoteForm(forms.Form):
    """The note of a review step: required to ask a question and (as the reason) to reject."""

    note = forms.CharField(
        required=False,
        label=_("Note (optional)"),
        help_text=_("The municipality sees the note in the history of its application."),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "class": "vLargeTextField"}),
    )

    def __init__(self, *args: Any, to_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if to_status in REQUIRED_NOTES:
            field = self.fields["note"]
            field.label, missing, field.help_text = REQUIRED_NOTES[to_status]
            field.required = True
            field.error_messages["required"] = missing


class MembershipForm(forms.ModelForm):
    """Adds a membership by hand (e.g. of a long-standing member) or corrects its start."""

    class Meta:
        model = Membership
        fields = ("organisation", "since")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        organisation = cleaned.get("organisation")
        if (
            self.instance.pk is None
            and organisation is not None
            and Membership.objects.filter(organisation=organisation, until__isnull=True).exists()
        ):
            self.add_error(
                "organisation",
                gettext("%(organisation)s is already a member of the network.")
                % {"organisation": organisation},
            )
        since = cleaned.get("since")
        if since and self.instance.until and since > self.instance.until:
            self.add_error(
                "since", gettext("The exit date cannot be before the start of the membership.")
            )
        return cleaned


class EndMembershipForm(forms.Form):
    until = forms.DateField(
        label=_("member until"),
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_("The last day of the membership."),
    )
    reason = forms.CharField(
        label=_("reason for leaving"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "class": "vLargeTextField"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = gettext(
            "Please give the reason for leaving."
        )

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if until > timezone.localdate():
            raise forms.ValidationError(gettext("The exit date cannot be in the future."))
        return until
