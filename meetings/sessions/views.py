"""The page where a registrant chooses one workshop per time slot.

`sessions_page` is the whole page behind its access check, for members
(`registration_sessions`) and for guests (`guest_sessions`, reached through their personal
link). Without JavaScript a choice is a form post with a redirect back; with htmx only the
slot's form is swapped and a status message is announced. The rules themselves are
meetings.sessions.services.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from meetings.events.guests import _guest_registration, _guest_urls
from meetings.events.models import Registration
from meetings.events.services import RegistrationError
from meetings.events.views import _registration_for_user
from meetings.sessions import services
from meetings.sessions.models import Session, SessionChoice, TimeSlot
from portal.http import HtmxHttpRequest
from portal.models import User

TEMPLATE = "meetings/sessions.html"
LEVELS = {"success": messages.SUCCESS, "info": messages.INFO, "error": messages.ERROR}


def _int(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise Http404 from None


def _change(
    request: HtmxHttpRequest, registration: Registration, actor: User | None
) -> tuple[int, str, str]:
    """Choose or leave as posted: (slot id, message level, message). Tampering is a 404."""
    slot = get_object_or_404(
        TimeSlot, pk=_int(request.POST.get("slot")), event_id=registration.event_id
    )
    raw = request.POST.get("session")
    if raw is None:
        return slot.pk, "error", _("Please choose a workshop or “No workshop in this time slot”.")
    try:
        if raw == "":
            services.leave(registration, slot, actor)
            return slot.pk, "success", _("No workshop chosen in “%(slot)s”.") % {"slot": slot.title}
        session = get_object_or_404(Session, pk=_int(raw), slot=slot)
        choice = services.choose(registration, session, actor)
    except RegistrationError as error:
        return slot.pk, "error", str(error.message)
    if choice.status == SessionChoice.Status.CONFIRMED:
        return (
            slot.pk,
            "success",
            _("Your place in “%(title)s” is confirmed.") % {"title": session.title},
        )
    return (
        slot.pk,
        "info",
        _(
            "“%(title)s” is fully booked: you are on its waiting list and will be told by "
            "e-mail when a place becomes free."
        )
        % {"title": session.title},
    )


def sessions_page(
    request: HtmxHttpRequest,
    registration: Registration,
    *,
    action_url: str,
    back_url: str | None = None,
    guest: bool = False,
) -> HttpResponse:
    """The workshops page of a registration whose access the caller has checked.

    `guest`: the visitor holds the guest's personal link and acts as the participant."""
    actor = None if guest else cast(User, request.user)
    status: tuple[int, str, str] | None = None
    if request.method == "POST":
        status = _change(request, registration, actor)
        if not request.htmx:
            messages.add_message(request, LEVELS[status[1]], status[2])
            return redirect(action_url)
    refusal = services.refusal(registration, actor)
    context: dict[str, Any] = {
        "registration": registration,
        "event": registration.event,
        "slot_choices": services.slot_choices(registration),
        "refusal": refusal.message if refusal else None,
        "editable": refusal is None,
        "deadline": services.deadline(registration.event),
        "action_url": action_url,
        "back_url": back_url or reverse("meetings:registration", args=[registration.pk]),
    }
    template = TEMPLATE
    if status is not None:
        entry = next(e for e in context["slot_choices"] if e.slot.pk == status[0])
        context.update(entry=entry, status_level=status[1], status_message=status[2])
        template += "#slot"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_sessions(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    registration = _registration_for_user(request, pk)
    return sessions_page(
        request, registration, action_url=reverse("meetings:sessions", args=[registration.pk])
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def guest_sessions(request: HtmxHttpRequest, token: str) -> HttpResponse:
    registration = _guest_registration(token)
    urls = _guest_urls(registration)
    return sessions_page(
        request,
        registration,
        action_url=urls["sessions_url"],
        back_url=urls["page_url"],
        guest=True,
    )
