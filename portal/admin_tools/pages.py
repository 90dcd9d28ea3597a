from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from portal.downloads import file_response

# For change pages whose record changes only through the page's own steps.
NO_SAVE_BUTTONS = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
}


class ReadOnlyAdminMixin(BaseModelAdmin):
    """For model admins and inlines of records the portal makes, never staff by hand: nobody adds
    them here. `still_allowed` names what staff may still do with their permissions ("change",
    "delete"); by default nothing, so the records are only looked at."""

    still_allowed: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return "change" in self.still_allowed and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return "delete" in self.still_allowed and super().has_delete_permission(request, obj)


class ChangeFormContextMixin(admin.ModelAdmin):
    """For model admins that show more on the change page: they return it from
    `change_form_context` instead of overriding `render_change_form`."""

    def change_form_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {}

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        context.update(self.change_form_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)


class OwnPagesMixin(admin.ModelAdmin):
    """For model admins with pages of their own: they list them in `own_pages` instead of
    overriding `get_urls`."""

    def own_pages(self) -> list[tuple[str, str, Any]]:
        """The pages, each (route, name, view), as for own_urls."""
        return []

    def get_urls(self) -> list[URLPattern]:
        return own_urls(self, self.own_pages()) + super().get_urls()


def own_urls(model_admin: admin.ModelAdmin, pages: list[tuple[str, str, Any]]) -> list[URLPattern]:
    """The URLs of a model admin's own pages, each (route, name, view), behind admin's login
    and named "<app>_<model>_<name>" like admin's own; `get_urls` puts them before admin's."""
    prefix = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    return [
        path(route, model_admin.admin_site.admin_view(view), name=f"{prefix}_{name}")
        for route, name, view in pages
    ]


def object_url(model_admin: admin.ModelAdmin, name: str, obj: Any) -> str:
    """The address of a page of the model admin for an object: one of its own (see own_urls) or
    one of admin's, such as "change"."""
    opts = model_admin.opts
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[quote(obj.pk)])


def download_link(model_admin: admin.ModelAdmin, page: str, obj: Any, text: str) -> str:
    """A link to one of the model admin's own pages that hands out a stored file of `obj`."""
    return format_html('<a href="{}">{}</a>', object_url(model_admin, page, obj), text)


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


def apply_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Any],
    step: Callable[[Any], object],
    done_message: Callable[[int], str],
    *,
    named: bool = False,
) -> int:
    """A list action's step for each selected object, after its intermediate page.

    A step that is not allowed for one object raises a ValidationError (such as the workflow's
    errors): its message is shown, with the object's name first if `named`, and the others go
    on. One message says how many were done; returns that number.
    """
    done = 0
    for obj in objects:
        try:
            step(obj)
        except ValidationError as error:
            problem = " ".join(error.messages)
            model_admin.message_user(
                request, f"{obj}: {problem}" if named else problem, messages.ERROR
            )
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message(done), messages.SUCCESS)
    return done


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


def stored_file(file: FieldFile, filename: str) -> FileResponse:
    """A stored file as a download for staff (such files have no public URL), typed and named
    after its content; 404 if there is none (yet) or it is gone from the storage."""
    return file_response(file, filename)


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


@dataclass(frozen=True)
class FormStep:
    """A step that staff confirm on an intermediate page with a short form (a reason, a date):
    on one object from its page (`view`) or on the rows selected in the list (`action`).

    `run(model_admin, request, obj, form)` takes the step or raises a ValidationError; the
    template finds the objects under `objects_name` and the form as `form`.
    """

    template: str
    title: Any
    form_class: type[forms.Form]
    objects_name: str
    run: Callable[[Any, HttpRequest, Any, Any], object]
    done_one: Callable[[Any], str]
    done_many: Callable[[int], str]
    named: bool = False  # name each object in front of its error (the list's message)

    def as_action(self, name: str, description: Any) -> Callable[..., HttpResponse | None]:
        """The list action, for a model admin's `actions`; `name` is its name in the form."""

        def run_action(
            model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
        ) -> HttpResponse | None:
            return self.action(model_admin, request, queryset, name)

        run_action.__name__ = name
        return admin.action(description=description, permissions=["change"])(run_action)

    def view_for(self, model_admin: admin.ModelAdmin) -> Callable[..., HttpResponse]:
        """The view of the object's own page, for own_urls."""

        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            return self.view(model_admin, request, object_id)

        return view

    def page(
        self,
        model_admin: admin.ModelAdmin,
        request: HttpRequest,
        objects: Iterable[Any],
        form: forms.Form,
        action: str = "",
    ) -> TemplateResponse:
        return admin_page(
            model_admin,
            request,
            self.template,
            str(self.title),
            action=action,
            form=form,
            **{self.objects_name: list(objects)},
        )

    def view(
        self, model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
    ) -> HttpResponse:
        """The object's own page; done, back to the object with a message."""
        obj = admin_object(model_admin, request, object_id, change=True)
        form = self.form_class(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                self.run(model_admin, request, obj, form)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                model_admin.message_user(request, self.done_one(obj), messages.SUCCESS)
                return HttpResponseRedirect(object_url(model_admin, "change", obj))
        return self.page(model_admin, request, [obj], form)

    def action(
        self,
        model_admin: admin.ModelAdmin,
        request: HttpRequest,
        queryset: QuerySet[Any],
        action: str,
    ) -> HttpResponse | None:
        """The list action of that name: the page, then the step for each selected row."""
        confirmed = "apply" in request.POST
        form = self.form_class(request.POST if confirmed else None)
        if not (confirmed and form.is_valid()):
            return self.page(model_admin, request, queryset, form, action=action)
        apply_each(
            model_admin,
            request,
            queryset,
            lambda obj: self.run(model_admin, request, obj, form),
            self.done_many,
            named=self.named,
        )
        return None


def copies_made(
    model_admin: admin.ModelAdmin, request: HttpRequest, copies: list[Any]
) -> HttpResponseRedirect | None:
    """After an action copied records as the start of new ones: says so, and opens the change
    page of a single copy for editing (after several, the list shows them)."""
    if not copies:
        return None
    model_admin.message_user(
        request,
        ngettext(
            "%(count)d copy was made. It is a draft: check it and change what is new.",
            "%(count)d copies were made. They are drafts: check them and change what is new.",
            len(copies),
        )
        % {"count": len(copies)},
        messages.SUCCESS,
    )
    if len(copies) == 1:
        return HttpResponseRedirect(object_url(model_admin, "change", copies[0]))
    return None


def copied_from_link(model_admin: admin.ModelAdmin, obj: Any) -> str:
    """A link to the record `obj` was copied from, for its change page; a dash if none."""
    original = obj.copied_from
    if original is None:
        return "–"
    return format_html('<a href="{}">{}</a>', object_url(model_admin, "change", original), original)
