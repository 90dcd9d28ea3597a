"""Admin's autocomplete fields, safe against forged values.

When a form in admin has errors, Django's autocomplete widget looks up the chosen objects
again with the posted values. A value that is not a key at all ("abc" for a number, which no
browser sends by itself but anyone can post) makes that lookup raise, and the page with the
form's errors becomes a server error. These widgets leave such values out of the lookup; the
field's own check has already said that the choice is not valid.

A model admin or inline with `autocomplete_fields` names `SafeAutocompleteMixin` first among
its bases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    AutocompleteSelect,
    AutocompleteSelectMultiple,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields import BLANK_CHOICE_DASH
from django.http import HttpRequest


class _SkipForgedKeys(AutocompleteMixin):
    def optgroups(self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None) -> Any:
        opts = self.field.remote_field.model._meta
        target = opts.get_field(getattr(self.field.remote_field, "field_name", opts.pk.attname))
        keys = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            if "\x00" not in str(item):  # PostgreSQL cannot compare text holding NUL
                keys.append(item)
        return super().optgroups(name, keys, attr)


class SafeAutocompleteSelect(_SkipForgedKeys, AutocompleteSelect):
    def optgroups(self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None) -> Any:
        # Valid HTML for a select of one: its first option is an empty choice, required or not,
        # and that option has a text (Django leaves it out for required fields, and empty).
        groups = super().optgroups(name, value, attr)
        options = groups[0][1]
        if options and options[0]["value"] == "":
            options.pop(0)
        selected = any(option["selected"] for _, group, _ in groups for option in group)
        options.insert(0, self.create_option(name, "", BLANK_CHOICE_DASH[0][1], not selected, 0))
        return groups


class SafeAutocompleteSelectMultiple(_SkipForgedKeys, AutocompleteSelectMultiple):
    def build_attrs(self, base_attrs: dict[str, Any], extra_attrs: Any = None) -> dict[str, Any]:
        attrs = super().build_attrs(base_attrs, extra_attrs)
        # select2's cross that clears all choices would sit inside the list of choices, where
        # only list items belong; each choice keeps its own cross.
        attrs["data-allow-clear"] = "false"
        return attrs


class SafeAutocompleteMixin(BaseModelAdmin):
    """For model admins and inlines: their autocomplete fields use the widgets above."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        self._use_safe_widget(db_field, request, kwargs, SafeAutocompleteSelect)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> Any:
        self._use_safe_widget(db_field, request, kwargs, SafeAutocompleteSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _use_safe_widget(
        self, db_field: models.Field, request: HttpRequest, kwargs: dict[str, Any], widget: Any
    ) -> None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = widget(db_field, self.admin_site, using=kwargs.get("using"))
