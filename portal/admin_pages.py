from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpRequest
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
