"""Admin's file fields, linking to the views that check who may see a file.

Django admin's file input shows the current file as a link to `MEDIA_URL`. The portal serves
no media folder (it holds private application attachments), so such a link would lead
nowhere, and a web server that did publish the folder would hand every file to anyone. A model
admin or inline with a file field names the view that hands out its files instead:

    formfield_overrides = {models.FileField: {"widget": CheckedFileInput("meetings:document")}}

The view is reversed with the object's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.contrib.admin.widgets import AdminFileWidget
from django.urls import reverse


@dataclass(frozen=True)
class StoredFile:
    """What admin's file input template shows of the current file: its name and a link."""

    name: str
    url: str

    def __str__(self) -> str:
        return self.name


class CheckedFileInput(AdminFileWidget):
    def __init__(self, url_name: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url_name = url_name

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        instance = getattr(value, "instance", None)
        if context["widget"]["is_initial"] and instance is not None and instance.pk:
            context["widget"]["value"] = StoredFile(
                PurePath(value.name).name, reverse(self.url_name, args=[instance.pk])
            )
        return context
