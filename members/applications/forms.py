from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from members.applications.evidence import ACCEPT, MAX_PER_CRITERION, validate_evidence
from members.applications.models import Application, Criterion, Membership
from members.people.models import Affiliation
from members.reference.models import Authority
from portal.forms import nothing_required
from portal.widgets import DateInput


def with_portal_state(authorities: QuerySet[Authority]) -> QuerySet[Authority]:
    """Each authority with `is_member` and `in_portal` (it has contact persons), so that the
    search says so before anyone presses "Start the application"."""
    memberships = Membership.objects.filter(
        organisation__authority=OuterRef("pk"), until__isnull=True
    )
    speakers = Affiliation.objects.filter(
        organisation__authority=OuterRef("pk"),
        role__in=[Affiliation.Role.CONTACT, Affiliation.Role.HEAD],
    )
    return authorities.annotate(is_member=Exists(memberships), in_portal=Exists(speakers))


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
        matches = with_portal_state(Authority.objects.select_related("kreis"))
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


# The answers to each of the five criteria, in the order of the form.
CRITERION_FIELDS = {
    Criterion.CONTACT: ("contact_name", "contact_office", "contact_email"),
    Criterion.CROSS_CUTTING: ("cross_cutting_task",),
    Criterion.DECLARATION: ("willing_to_sign", "signatory_name", "signatory_office"),
    Criterion.RECOGNITION: (
        "ehrenamtskarte_status",
        "ehrenamtskarte_since",
        "ehrenamtskarte_planned_for",
        "comparable_instrument",
    ),
    Criterion.PARTICIPATION: (
        "commits_to_participate",
        "representative_name",
        "representative_office",
    ),
}
FIELDS = tuple(name for names in CRITERION_FIELDS.values() for name in names)
# To submit, all others must be filled in (services.unmet_criteria names each gap); a draft may
# leave them empty. The conditional ones are needed only for the matching Ehrenamtskarte answer.
CONDITIONAL = ("ehrenamtskarte_since", "ehrenamtskarte_planned_for", "comparable_instrument")
REQUIRED_TO_SUBMIT = tuple(name for name in FIELDS if name not in CONDITIONAL)


class ApplicationForm(forms.ModelForm):
    """The answers to the five criteria. Marked as required what submitting needs, but a draft
    is saved with gaps: submitting names each one next to its field."""

    class Meta:
        model = Application
        fields = FIELDS
        widgets = {
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "cross_cutting_task": forms.Textarea(attrs={"rows": 6}),
            "ehrenamtskarte_status": forms.RadioSelect,
            "ehrenamtskarte_since": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "ehrenamtskarte_planned_for": DateInput(),
            "comparable_instrument": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "signatory_name": _("Name of the head of administration who signs"),
            "signatory_office": _("Office of the person who signs"),
            "ehrenamtskarte_since": _("Taking part since (year)"),
            "representative_name": _("Who represents your municipality at the meetings?"),
            "representative_office": _("Office or department of this person"),
        }
        help_texts = {
            "cross_cutting_task": _(
                "For example: which office coordinates, how departments work together, "
                "which council decisions exist."
            ),
            "signatory_office": _("For example: Bürgermeisterin, Oberbürgermeister, Landrätin."),
            "ehrenamtskarte_since": _("Needed if you take part in the Ehrenamtskarte NRW."),
            "ehrenamtskarte_planned_for": _("Needed if you plan to introduce the Ehrenamtskarte."),
            "comparable_instrument": _("Needed if you have a comparable instrument."),
            "representative_name": _(
                "Usually the contact person; the person takes part in the Netzwerktreffen."
            ),
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
        for name in REQUIRED_TO_SUBMIT:
            self.fields[name].required = True
        for name in CONDITIONAL:
            # Not "optional" either: the help text names the answer that needs it.
            self.fields[name].conditional = True  # type: ignore[attr-defined]

    def fields_of(self, criterion: str) -> list[forms.BoundField]:
        return [self[name] for name in CRITERION_FIELDS[Criterion(criterion)]]

    def full_clean(self) -> None:
        # A draft is saved with gaps; submitting names each one (services.unmet_criteria).
        with nothing_required(self.fields.values()):
            super().full_clean()


def evidence_field() -> forms.FileField:
    return forms.FileField(
        label=_("Add a document"),
        required=False,
        help_text=_(
            "Optional: e.g. a council decision. PDF, JPEG, PNG, Word, Excel or PowerPoint, at "
            "most 10 MB, up to %(count)d per criterion."
        )
        % {"count": MAX_PER_CRITERION},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class EvidenceForm(forms.Form):
    """One optional document per criterion and save, each checked by its content."""

    def __init__(self, *args, existing: dict[str, int] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing or {}
        self.content_types: dict[str, str] = {}
        for criterion in Criterion:
            self.fields[f"file_{criterion.value}"] = evidence_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for criterion in Criterion:
            name = f"file_{criterion.value}"
            upload = cleaned.get(name)
            if not upload:
                continue
            if self.existing.get(criterion.value, 0) >= MAX_PER_CRITERION:
                self.add_error(
                    name,
                    _("A criterion can have at most %(count)d documents.")
                    % {"count": MAX_PER_CRITERION},
                )
                continue
            try:
                self.content_types[name] = validate_evidence(upload)
            except forms.ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def documents(self) -> list[tuple[str, Any, str]]:
        """(criterion, file, content type) of each valid upload."""
        return [
            (name.removeprefix("file_"), self.cleaned_data[name], content_type)
            for name, content_type in self.content_types.items()
            if self.cleaned_data.get(name)
        ]

    def field_for(self, criterion: str) -> forms.BoundField:
        return self[f"file_{criterion}"]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Please write your answer.")},
    )
    file = forms.FileField(
        label=_("Attach a document"),
        required=False,
        help_text=_(
            "Optional. PDF, JPEG, PNG, Word, Excel or PowerPoint, at most 10 MB. It is added "
            "to the general documents of the application."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload:
            self.content_type = validate_evidence(upload)
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the application?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
