"""The library in Django admin: topics and items, with checked uploads.

An uploaded file is checked by its content (meetings.library_uploads); its name and size are
stored with the item. An item needs a file or a link. A replaced or removed file leaves the
storage once the change is committed; a deleted item takes its file along (meetings.library).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.library import remove_replaced_file
from meetings.library_uploads import MAX_BYTES, display_name, storage_name, validate_document
from meetings.models import LibraryTopic, Publication
from members.models import PracticeExample
from portal.admin_widgets import SafeAutocompleteMixin

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


@admin.register(LibraryTopic)
class LibraryTopicAdmin(admin.ModelAdmin):
    list_display = ("name", "publication_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LibraryTopic]:
        # An aggregate drops the model's ordering; autocomplete pages need one.
        return (
            super()
            .get_queryset(request)
            .annotate(publications_count=Count("publications"))
            .order_by("name")
        )

    @admin.display(description=_("items"), ordering="publications_count")
    def publication_count(self, topic: LibraryTopic) -> int:
        return getattr(topic, "publications_count", 0)


@admin.register(Publication)
class PublicationAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    form = PublicationForm
    list_display = (
        "title",
        "kind",
        "year",
        "topic_names",
        "visibility",
        "is_published",
        "attachment",
        "updated_at",
    )
    list_filter = ("kind", "visibility", "is_published", "topics", "year")
    search_fields = ("title", "summary", "topics__name")
    autocomplete_fields = ("topics", "event")
    readonly_fields = ("file_name", "file_size_display", "created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("title", "kind", "year", "summary", "topics")}),
        (_("File and link"), {"fields": ("file", "file_name", "file_size_display", "link")}),
        (_("Belongs to"), {"fields": ("event", "practice_example")}),
        (_("Who sees it"), {"fields": ("visibility", "is_published")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Publication]:
        return super().get_queryset(request).prefetch_related("topics")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"year": timezone.localdate().year, **super().get_changeform_initial_data(request)}

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "practice_example":
            kwargs["queryset"] = PracticeExample.objects.select_related(
                "profile__organisation__authority"
            ).order_by("profile__organisation__authority__name", "title")
            kwargs["form_class"] = PracticeExampleChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def view_on_site(self, obj: Publication) -> str:
        return reverse("meetings:library_detail", args=[obj.pk])

    @admin.display(description=_("topics"))
    def topic_names(self, publication: Publication) -> str:
        return ", ".join(topic.name for topic in publication.topics.all()) or "–"

    @admin.display(description=_("file"))
    def attachment(self, publication: Publication) -> str:
        if not publication.file:
            return "–"
        return f"{publication.file_name} ({filesizeformat(publication.file_size)})"

    @admin.display(description=_("size"))
    def file_size_display(self, publication: Publication) -> str:
        return filesizeformat(publication.file_size) if publication.file else "–"

    def save_model(self, request: HttpRequest, obj: Publication, form: Any, change: bool) -> None:
        replaced = form.initial.get("file") if change and "file" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if replaced:
            # The old file must not stay behind; it goes once the change is committed.
            remove_replaced_file(replaced.name)
