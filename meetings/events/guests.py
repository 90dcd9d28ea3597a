"""Guests: people without an account who register for open events, with double opt-in.

The guest fills in the form on the event page and is asked to confirm the address by the link
in an e-mail; only then does the registration get a place or a waiting place. The page after
the form is the same whatever the address, so that nobody learns through it who is registered.

Afterwards the guest reaches their registration through a personal link with a secret token
(`/anmeldung/gast/<token>/`): the token stands in for a login, so these pages are not cached
and 404 for any unknown token.
"""

from __future__ import annotations

import hashlib

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from meetings.events import calendar, services
from meetings.events.forms import GuestRegistrationForm
from meetings.events.models import Event, Registration
from meetings.events.views import _public_event, detail, registration_context
from portal.http import HtmxHttpRequest

# Enough for a team registering together from one office, too few to flood mailboxes.
GUEST_REQUESTS_PER_IP_AND_HOUR = 10
# Mails one address receives in an hour however many people type it in; more are dropped.
GUEST_MAILS_PER_ADDRESS_AND_HOUR = 3
HOUR = 3600


def _count(key: str) -> int:
    """Count one more hit in the hour that started with the first."""
    cache.add(key, 0, timeout=HOUR)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=HOUR)
        return 1


def _ip_over_limit(request: HttpRequest) -> bool:
    # allauth's way of finding the client's address, so proxies are trusted as for logins.
    ip = get_adapter(request).get_client_ip(request)
    return _count(f"meetings:guest-requests:{ip}") > GUEST_REQUESTS_PER_IP_AND_HOUR


def _address_over_limit(email: str) -> bool:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return _count(f"meetings:guest-mails:{digest}") > GUEST_MAILS_PER_ADDRESS_AND_HOUR


def _guest_event(pk: int) -> Event:
    event = _public_event(pk)
    if event.audience != Event.Audience.OPEN:
        raise PermissionDenied
    return event


@require_POST
def guest_register(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = _guest_event(pk)
    if request.user.is_authenticated:
        messages.info(request, _("You are logged in: please register with your account."))
        url = reverse("meetings:event_detail", args=[event.pk]) + "#registration"
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    form = GuestRegistrationForm(request.POST, questions=event.questions.all())
    if not form.is_valid() or services.guest_refusal(event):
        return detail(request, event, guest_form=form)
    if _ip_over_limit(request):
        form.add_error(
            None,
            _(
                "There have been too many registrations from your network in the last hour. "
                "Please try again later."
            ),
        )
        return detail(request, event, guest_form=form, status=429)
    data = form.cleaned_data
    if not _address_over_limit(data["email"]):
        try:
            services.request_guest_registration(
                event,
                name=data["name"],
                email=data["email"],
                organisation=data["organisation"],
                language=get_language() or "",
                listed_consent=data["listed_consent"],
                needs=data["needs"],
                answers=form.answers(),
            )
        except services.RegistrationError as error:
            form.add_error(None, error.message)
            return detail(request, event, guest_form=form)
    if request.htmx:
        return detail(
            request, event, guest_sent=True, confirmation_hours=services.GUEST_CONFIRMATION_HOURS
        )
    return redirect("meetings:guest_check_email", event.pk)


@require_safe
def guest_check_email(request: HttpRequest, pk: int) -> HttpResponse:
    context = {"event": _guest_event(pk), "confirmation_hours": services.GUEST_CONFIRMATION_HOURS}
    return render(request, "meetings/guest_check_email.html", context)


def _link_problem(
    request: HttpRequest, problem: str, status: int, **context: object
) -> HttpResponse:
    return render(
        request,
        "meetings/guest_link.html",
        {"problem": problem, "confirmation_hours": services.GUEST_CONFIRMATION_HOURS, **context},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def guest_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """The link of the confirmation mail: a page with a button, which confirms.

    Confirming takes a post: mail filters open the links of incoming mail, and must not
    confirm an address in place of its owner."""
    try:
        registration = services.registration_for_code(code)
    except services.InvalidConfirmation as problem:
        status = {"expired": 410, "used": 200}.get(problem.reason, 404)
        return _link_problem(request, problem.reason, status, event=problem.event)
    event = registration.event
    if registration.status != Registration.Status.PENDING:
        return _link_problem(request, "used", 200, event=event)
    if request.method == "POST":
        try:
            registration = services.confirm_guest(registration)
        except services.RegistrationError as error:
            if error.code == "used":
                return _link_problem(request, "used", 200, event=event)
            return _link_problem(request, "refused", 409, event=event, reason=error.message)
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("Thank you: your place at this event is confirmed."))
        else:
            messages.info(
                request,
                _(
                    "Thank you for confirming. The event is fully booked: you are on the "
                    "waiting list and will be told by e-mail when a place becomes free."
                ),
            )
        return redirect("meetings:guest_registration", registration.guest_token)
    return render(
        request,
        "meetings/guest_confirm.html",
        {"registration": registration, "event": event, "action_url": request.path},
    )


def _guest_registration(token: str) -> Registration:
    """The guest registration of the personal link; 404 for anything else."""
    return get_object_or_404(
        Registration.objects.select_related("event").exclude(status=Registration.Status.PENDING),
        guest_token=token,
        user__isnull=True,
    )


def _guest_urls(registration: Registration) -> dict[str, str]:
    token = registration.guest_token
    return {
        "page_url": reverse("meetings:guest_registration", args=[token]),
        "ics_url": reverse("meetings:guest_ics", args=[token]),
        "cancel_url": reverse("meetings:guest_cancel", args=[token]),
        "sessions_url": reverse("meetings:guest_sessions", args=[token]),
    }


@never_cache
@require_safe
def guest_registration(request: HttpRequest, token: str) -> HttpResponse:
    registration = _guest_registration(token)
    return render(
        request,
        "meetings/registration.html",
        {**registration_context(registration), **_guest_urls(registration), "guest": True},
    )


@never_cache
@require_safe
def guest_ics(request: HttpRequest, token: str) -> HttpResponse:
    registration = _guest_registration(token)
    return calendar.ics_response(
        calendar.registration_ics_bytes(registration), calendar.ics_filename(registration.event)
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def guest_cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _guest_registration(token)
    urls = _guest_urls(registration)
    if registration.status == Registration.Status.CANCELLED:
        messages.info(request, _("This registration has already been cancelled."))
        return redirect(urls["page_url"])
    if request.method == "POST":
        try:
            services.cancel(registration, None)
        except services.RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The registration has been cancelled."))
        return redirect(urls["page_url"])
    return render(
        request,
        "meetings/cancel.html",
        {
            "registration": registration,
            "event": registration.event,
            "action_url": urls["cancel_url"],
            "back_url": urls["page_url"],
        },
    )
