"""Forms of the library: search and filters of the list, and an item in Django admin."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.library.models import Publication
from meetings.library.services import search
from meetings.library.uploads import MAX_BYTES, display_name, storage_name, validate_document

QUERY_MAX_LENGTH = 200


def _with_all(choices: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [("", pgettext_lazy("library filter", "all")), *choices]


class LibraryFilterForm(forms.Form):
    """Search and filters of the list (GET). A value that is not understood is reported next
    to its field and ignored."""

    marks_optional = False  # a filter: every field is optional, so none is marked

    q = forms.CharField(
        label=_("Search words"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "max_length": _("Please use at most %(limit_value)d characters (now %(show_value)d).")
        },
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(
        self, *args: Any, topics: list[tuple[int, str]], years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["kind"].choices = _with_all(list(Publication.Kind.choices))
        fields["topic"].choices = _with_all([(str(pk), name) for pk, name in topics])
        fields["year"].choices = _with_all([(str(year), str(year)) for year in years])

    def apply(self, publications: QuerySet[Publication]) -> QuerySet[Publication]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if kind := data.get("kind"):
            publications = publications.filter(kind=kind)
        if topic := data.get("topic"):
            publications = publications.filter(topics=topic)
        if year := data.get("year"):
            publications = publications.filter(year=year)
        return search(publications, data.get("q") or "")

    @property
    def is_filtered(self) -> bool:
        return any(value for value in getattr(self, "cleaned_data", {}).values())


# The network began in 2012; older studies and guides may still belong in the library.
FIRST_YEAR = 1990


class PracticeExampleChoiceField(forms.ModelChoiceField):
    """Practice examples are kept on the members' profiles and have no admin list of their
    own to search in: the choice names the municipality beside the title."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.profile.organisation.authority.name})"


def _formfield(field: models.Field, **kwargs: Any) -> forms.Field | None:
    # Links typed without a scheme are web pages: https, as Django 6 will do.
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class PublicationForm(forms.ModelForm):
    """Checks the uploaded file by its content and asks for a file or a link."""

    class Meta:
        model = Publication
        formfield_callback = _formfield
        fields = (
            "title",
            "kind",
            "year",
            "summary",
            "topics",
            "file",
            "link",
            "event",
            "practice_example",
            "visibility",
            "is_published",
        )
        help_texts = {
            "file": _(
                "A PDF document, a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx) or an "
                "OpenDocument file (.odt, .ods, .odp) of at most %(limit)s. Files with macros "
                "and old Office formats (.doc, .xls, .ppt) are not accepted: please save them "
                "as PDF."
            )
            % {"limit": filesizeformat(MAX_BYTES)},
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            kind = validate_document(upload)
            uploaded_name = upload.name or ""
            self.instance.file_name = display_name(uploaded_name, kind)
            self.instance.file_size = upload.size or 0
            upload.name = storage_name(uploaded_name, kind)
        elif upload is False:  # "clear" was ticked
            self.instance.file_name = ""
            self.instance.file_size = 0
        return upload

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        latest = timezone.localdate().year + 1
        if year is not None and not FIRST_YEAR <= year <= latest:
            raise forms.ValidationError(
                _("Please give a year between %(first)d and %(last)d."),
                code="year",
                params={"first": FIRST_YEAR, "last": latest},
            )
        return year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "file" in self.errors or "link" in self.errors:
            return cleaned
        if not cleaned.get("file") and not cleaned.get("link"):
            message = _("Please upload a file or give a link where the item can be read.")
            self.add_error("file", forms.ValidationError(message, code="file_or_link"))
            self.add_error("link", forms.ValidationError(message, code="file_or_link"))
        return cleaned
