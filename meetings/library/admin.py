"""The library in Django admin: topics and items, with checked uploads.

An uploaded file is checked by its content (meetings.library.uploads, through
meetings.library.forms.PublicationForm); its name and size are stored with the item. An item
needs a file or a link. A replaced or removed file leaves the storage once the change is
committed; a deleted item takes its file along (meetings.library.models).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.library.forms import PracticeExampleChoiceField, PublicationForm
from meetings.library.models import LibraryTopic, Publication
from meetings.library.services import remove_replaced_file
from members.models import PracticeExample
from portal.admin_tools.files import CheckedFileInput
from portal.admin_tools.widgets import SafeAutocompleteMixin


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
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.FileField: {"widget": CheckedFileInput("meetings:library_file")},
    }
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
