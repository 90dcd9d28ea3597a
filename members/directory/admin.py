"""Member profiles and their practical examples in Django admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models

from members.directory.models import PracticeExample, Profile
from portal.admin_tools.files import CheckedFileInput
from portal.admin_tools.widgets import SafeAutocompleteMixin

# Addresses typed without a scheme are taken as https (Django 6's default).
HTTPS_URLS: dict[Any, dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class PracticeExampleInline(admin.StackedInline):
    model = PracticeExample
    formfield_overrides = {
        **HTTPS_URLS,
        models.ImageField: {"widget": CheckedFileInput("members:practice_image")},
    }
    extra = 0
    fields = ("title", "text", "link", "image", "image_alt", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Profile)
class ProfileAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("organisation", "ehrenamtskarte", "updated_at")
    list_filter = ("ehrenamtskarte",)
    search_fields = ("organisation__authority__name", "organisation__authority__ags")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation__authority",)
    readonly_fields = ("updated_at",)
    inlines = (PracticeExampleInline,)
    formfield_overrides = HTTPS_URLS
