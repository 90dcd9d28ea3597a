from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse


def admin_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    template: str,
    title: str,
    *,
    action: str = "",
    **context: Any,
) -> TemplateResponse:
    """An intermediate page in admin's frame: confirm an action, ask for a note or a reason.

    With `action` set, the page posts back to the changelist action of that name (the selected
    rows travel as ACTION_CHECKBOX_NAME); without it, to the view that rendered it.
    """
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "opts": model_admin.opts,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            **context,
        },
    )


def admin_object(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, *, change: bool = False
) -> Any:
    """The object of a custom admin view: 404 if it is not there, 403 without the permission."""
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    allowed = (
        model_admin.has_change_permission(request, obj)
        if change
        else model_admin.has_view_or_change_permission(request, obj)
    )
    if not allowed:
        raise PermissionDenied
    return obj


def filled_or_empty_filter(
    field: str,
    title: Any,
    parameter_name: str,
    *,
    filled: tuple[str, Any],
    empty: tuple[str, Any],
    empty_first: bool = False,
) -> type[admin.SimpleListFilter]:
    """A list filter with two choices: the field is set, or it is empty.

    `filled` and `empty` are (URL value, label); e.g. memberships "current" (no end date) or
    "ended", registrations "checked in" or not."""

    class FilledOrEmptyFilter(admin.SimpleListFilter):
        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
            return [empty, filled] if empty_first else [filled, empty]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            if self.value() == filled[0]:
                return queryset.filter(**{f"{field}__isnull": False})
            if self.value() == empty[0]:
                return queryset.filter(**{f"{field}__isnull": True})
            return queryset

    FilledOrEmptyFilter.title = title
    FilledOrEmptyFilter.parameter_name = parameter_name
    return FilledOrEmptyFilter
