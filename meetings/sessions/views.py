"""The page where a registrant chooses one workshop per time slot.

`sessions_page` is the whole page behind its access check, for members
(`registration_sessions`) and for guests (`guest_sessions`, reached through their personal
link). One form holds every time slot, so that no choice is lost to another slot's button; without
JavaScript it is a post with a redirect back, with htmx the form is swapped in place and the
outcome of each changed slot is announced. The rules themselves are
meetings.sessions.services.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
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


def _wanted(request: HtmxHttpRequest, registration: Registration) -> dict[TimeSlot, Session | None]:
    """The session posted for each slot of the event (field `slot-<id>`, empty: none); a slot
    not in the post stays as it is. Tampering is a 404."""
    slots = list(registration.event.slots.all())
    sessions = {s.pk: s for s in Session.objects.filter(slot__in=slots)}
    wanted: dict[TimeSlot, Session | None] = {}
    for slot in slots:
        raw = request.POST.get(f"slot-{slot.pk}")
        if raw is None:
            continue
        session = sessions.get(_int(raw)) if raw else None
        if raw and (session is None or session.slot_id != slot.pk):
            raise Http404
        wanted[slot] = session
    return wanted


def _outcome(slot: TimeSlot, choice: SessionChoice | None) -> tuple[str, str]:
    """The message level and message of a slot whose choice changed."""
    if choice is None:
        return "success", _("No workshop chosen in “%(slot)s”.") % {"slot": slot.title}
    title = choice.session.title
    if choice.status == SessionChoice.Status.CONFIRMED:
        return "success", _("Your place in “%(title)s” is confirmed.") % {"title": title}
    return "info", _(
        "“%(title)s” is fully booked: you are on its waiting list and will be told by "
        "e-mail when a place becomes free."
    ) % {"title": title}


def _change(
    request: HtmxHttpRequest, registration: Registration, actor: User | None
) -> list[tuple[str, str]]:
    """Save the choices of all slots as posted, in one go: (message level, message) each."""
    wanted = _wanted(request, registration)
    if not wanted:
        return [("error", _("Please choose a workshop or “No workshop in this time slot”."))]
    if refusal := services.refusal(registration, actor):
        return [("error", str(refusal.message))]
    try:
        changed = services.apply_choices(registration, wanted, actor)
    except RegistrationError as error:
        return [("error", str(error.message))]
    if not changed:
        return [("info", _("Your choice of workshops is unchanged."))]
    return [_outcome(slot, choice) for slot, choice in changed]


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
    outcomes: list[tuple[str, str]] = []
    if request.method == "POST":
        outcomes = _change(request, registration, actor)
        if not request.htmx:
            for level, message in outcomes:
                messages.add_message(request, LEVELS[level], message)
            return redirect(action_url)
    refusal = services.refusal(registration, actor)
    slot_choices = services.slot_choices(registration)
    context: dict[str, Any] = {
        "registration": registration,
        "event": registration.event,
        "slot_choices": slot_choices,
        "refusal": refusal.message if refusal else None,
        "choosable": refusal is None and any(entry.sessions for entry in slot_choices),
        "deadline": services.deadline(registration.event),
        "action_url": action_url,
        "back_url": back_url or reverse("meetings:registration", args=[registration.pk]),
    }
    template = TEMPLATE
    if outcomes:
        context["outcomes"] = outcomes
        template += "#choices"
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
