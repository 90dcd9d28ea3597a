"""The upload of an event's documents in admin (the inline on the event's page)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from meetings.documents.models import EventDocument
from meetings.documents.services import file_name, validate_event_document


class EventDocumentForm(forms.ModelForm):
    """An uploaded document is checked by its content; type and size are stored with it."""

    class Meta:
        model = EventDocument
        fields = ("title", "kind", "visibility", "file")

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            content_type = validate_event_document(upload)
            self.instance.content_type = content_type
            self.instance.size = upload.size or 0
            title = self.cleaned_data.get("title") or upload.name or ""
            # The stored name tells what the file really is, whatever the upload was called.
            upload.name = file_name(title, content_type)
        return upload


class EventDocumentFormSet(BaseInlineFormSet):
    """A replaced file must not stay in the storage: it goes once the change is committed (a
    deleted document takes its file along, see meetings.documents.models)."""

    def save(self, commit: bool = True) -> list[Any]:
        saved = super().save(commit)
        stale = [
            form.initial["file"].name
            for form in self.initial_forms
            if "file" in form.changed_data and form.initial.get("file")
        ]
        storage = EventDocument._meta.get_field("file").storage
        for name in stale:
            if name:
                transaction.on_commit(partial(storage.delete, name))
        return saved
