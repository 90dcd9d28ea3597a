"""Checking participants in at the door, from a tablet, in Django admin: the admin views.

The page lists the confirmed participants of one event with a search field; staff mark a
person present or take it back. Marking is idempotent: "present" twice keeps the first time,
so two tablets at the same door do not fight. With htmx only the row and the counter change;
without JavaScript each button posts a form and the page comes back with the same search.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRefresh

from meetings.checkin.services import CheckinError, confirmed, counts, search, set_present
from meetings.events.models import Event
from portal.admin_tools.pages import admin_object, admin_page
from portal.http import HtmxHttpRequest, wants_partial

TEMPLATE = "admin/meetings/event/checkin.html"
QUERY_MAX_LENGTH = 100


def admin_pages(model_admin: admin.ModelAdmin) -> list[tuple[str, str, Any]]:
    """The check-in pages of the event admin, as portal.admin_tools.pages.own_urls takes them."""
    return [
        ("<path:object_id>/checkin/", "checkin", partial(page, model_admin)),
        (
            "<path:object_id>/checkin/<int:registration_id>/",
            "checkin_mark",
            partial(mark, model_admin),
        ),
    ]


def _may_change(request: HttpRequest) -> bool:
    return request.user.has_perm("meetings.change_registration")


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", request.POST.get("q", "")).strip()[:QUERY_MAX_LENGTH]


def _context(event: Event, query: str, request: HttpRequest, **extra: Any) -> dict[str, Any]:
    numbers = counts(event)
    return {
        "event": event,
        "opts": Event._meta,
        "q": query,
        "checked_in": numbers.checked_in,
        "total": numbers.total,
        "may_change": _may_change(request),
        "checkin_url": reverse("admin:meetings_event_checkin", args=[event.pk]),
        **extra,
    }


def page(model_admin: admin.ModelAdmin, request: HtmxHttpRequest, object_id: str) -> HttpResponse:
    """The list of confirmed participants with the search; with htmx only the results."""
    event = admin_object(model_admin, request, object_id)
    if not request.user.has_perm("meetings.view_registration") and not _may_change(request):
        raise PermissionDenied
    query = _query(request)
    registrations = search(event, query)
    context = _context(event, query, request, registrations=registrations)
    if wants_partial(request):
        response = HttpResponse(
            render_to_string(f"{TEMPLATE}#results_update", context, request=request)
        )
    else:
        response = admin_page(
            model_admin, request, TEMPLATE, gettext("Check-in"), original=event, **context
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


def mark(
    model_admin: admin.ModelAdmin, request: HtmxHttpRequest, object_id: str, registration_id: int
) -> HttpResponse:
    """Present or not present (POST field "present": 1 or 0) for one participant."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    event = admin_object(model_admin, request, object_id)
    if not _may_change(request):
        raise PermissionDenied
    registration = get_object_or_404(confirmed(event), pk=registration_id)
    present = request.POST.get("present") == "1"
    try:
        set_present(registration, present)
    except CheckinError as error:  # cancelled in the meantime
        messages.error(request, error.message)
        if request.htmx:
            return HttpResponseClientRefresh()
        return HttpResponseRedirect(_back(event, _query(request)))
    query = _query(request)
    if request.htmx:
        context = _context(event, query, request, registration=registration)
        return HttpResponse(render_to_string(f"{TEMPLATE}#row_update", context, request=request))
    if present:
        text = gettext("%(name)s is checked in.")
    else:
        text = gettext("The check-in of %(name)s has been taken back.")
    messages.success(request, text % {"name": registration.name})
    return HttpResponseRedirect(_back(event, query, registration.pk))


def _back(event: Event, query: str, registration_id: int | None = None) -> str:
    url = reverse("admin:meetings_event_checkin", args=[event.pk])
    if query:
        url += "?" + urlencode({"q": query})
    if registration_id:
        url += f"#registration-{registration_id}"
    return url
