"""An event's documents in admin: the inline on the event's page (meetings/admin.py puts it
there), with the upload checked by meetings.documents.forms."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.documents.forms import EventDocumentForm, EventDocumentFormSet
from meetings.documents.models import EventDocument
from portal.admin_tools.files import CheckedFileInput


class EventDocumentInline(admin.TabularInline):
    model = EventDocument
    form = EventDocumentForm
    formset = EventDocumentFormSet
    extra = 0
    fields = ("title", "kind", "visibility", "file", "size_display", "download")
    readonly_fields = ("size_display", "download")
    formfield_overrides = {models.FileField: {"widget": CheckedFileInput("meetings:document")}}

    @admin.display(description=_("size"))
    def size_display(self, document: EventDocument) -> str:
        return filesizeformat(document.size) if document.pk else "–"

    @admin.display(description=_("open"))
    def download(self, document: EventDocument) -> str:
        if not document.pk:
            return "–"
        url = reverse("meetings:document", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))
