"""The event pages: the list, an event, registering, one's registration and cancelling it.

The list and the events are public (drafts 404); the online meeting link is never shown there,
only on the registration page of a confirmed registrant. A registration is shown to its
participant, to the contact persons and the head of their municipality, and to staff; anyone
else gets 404. The rules themselves are meetings.events.services.

Registering works with and without JavaScript: a plain post leads to the registration's page;
with htmx only the registration section of the event page is swapped (named partial
"registration-area"), with the new state or the form and its messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from meetings.events import services
from meetings.events.calendar import feed_url
from meetings.events.forms import EventFilterForm, GuestRegistrationForm, RegistrationForm
from meetings.events.models import Event, Registration
from members.models import Affiliation
from members.people.services import affiliation_for, is_contact
from portal.caching import FRAGMENT_SECONDS, cached_for_anonymous, rows_key
from portal.http import HtmxHttpRequest, logged_in_user
from portal.models import User

PAST_EVENTS = 10
DETAIL_TEMPLATE = "meetings/event_detail.html"
CONTACT_ROLES = (Affiliation.Role.CONTACT, Affiliation.Role.HEAD)


def _events() -> QuerySet[Event]:
    """Events with the number of confirmed places and the places left (None: no limit).

    Counted per event in a subquery, not by joining and grouping: the list shows the last ten
    past events, and a join would count the registrations of all of them (ten years' worth)
    before the ten are chosen."""
    confirmed = Coalesce(
        Subquery(
            Registration.objects.filter(event=OuterRef("pk"), status=Registration.Status.CONFIRMED)
            .order_by()
            .values("event")
            .annotate(count=Count("pk"))
            .values("count")
        ),
        0,
    )
    return Event.objects.annotate(confirmed_count=confirmed).annotate(
        places_left=Case(
            When(capacity__isnull=True, then=None),
            When(capacity__lte=F("confirmed_count"), then=0),
            default=F("capacity") - F("confirmed_count"),
            output_field=IntegerField(),
        ),
    )


# --- Public pages -----------------------------------------------------------------------------


@cached_for_anonymous(query=("kind", "format", "audience"))
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET)
    form.is_valid()
    if form.errors:
        messages.warning(request, _("Some filters were not understood and have been ignored."))
    filters = {name: value for name, value in form.cleaned_data.items() if value}
    now = timezone.now()
    published = _events().filter(status=Event.Status.PUBLISHED)
    upcoming = list(published.filter(starts_at__gte=now, **filters).order_by("starts_at"))
    past = list(
        _events()
        .filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED], starts_at__lt=now)
        .order_by("-starts_at")[:PAST_EVENTS]
    )
    return render(
        request,
        "meetings/event_list.html",
        {
            "form": form,
            "events": upcoming,
            # The coming events' list is rendered once per content ({% cache %} in the
            # template): the key holds every value an entry shows.
            "events_key": rows_key(map(_shown, upcoming)),
            "fragment_seconds": FRAGMENT_SECONDS,
            "past_events": past,
            "filtered": bool(filters),
        },
    )


def _shown(event: Event) -> tuple[Any, ...]:
    """Every value an entry of the coming events shows."""
    places_left = event.places_left  # type: ignore[attr-defined]  # annotated by _events()
    what = (event.pk, event.title, event.kind, event.format, event.audience, event.venue)
    return (*what, event.starts_at, event.ends_at, places_left, event.waitlist_enabled)


def _public_event(pk: int) -> Event:
    return get_object_or_404(_events().exclude(status=Event.Status.DRAFT), pk=pk)


def _registrar_affiliation(request: HttpRequest) -> Affiliation | None:
    """The affiliation of a contact or head, who may register colleagues; None for others.

    Read once per request (affiliation_for): registering asks it three times."""
    affiliation = affiliation_for(request)
    if affiliation is None or affiliation.role not in CONTACT_ROLES:
        return None
    return affiliation


def _admitted_colleagues(request: HttpRequest, event: Event) -> QuerySet[User] | None:
    """The people of the user's municipality the event admits, whom a contact or head may
    register besides themselves; None for others (they register only themselves)."""
    user = logged_in_user(request)
    affiliation = _registrar_affiliation(request)
    if affiliation is None:
        return None
    return (
        services.admitted_people(event)
        .filter(affiliation__organisation=affiliation.organisation)
        .exclude(pk=user.pk)
        .order_by("full_name", "email")
    )


def _picker(request: HttpRequest, event: Event) -> dict[str, Any]:
    """What the registration form needs to let a contact or head register someone else: the
    admitted colleagues not registered yet, and the registrar's role; empty for others."""
    affiliation = _registrar_affiliation(request)
    colleagues = _admitted_colleagues(request, event)
    if affiliation is None or colleagues is None:
        return {}
    registered = event.registrations.filter(status__in=Registration.ACTIVE, user__isnull=False)
    colleagues = colleagues.exclude(pk__in=registered.values("user"))
    return {"colleagues": colleagues, "role": affiliation.role}


def _registration_form(
    request: HttpRequest, event: Event, *, registered: bool
) -> RegistrationForm | None:
    """The empty form to register oneself or a colleague; once registered oneself, for the
    colleagues not registered yet (None when there is nobody left, or for people who register
    only themselves)."""
    picker = _picker(request, event)
    colleagues = picker.get("colleagues")
    if registered and (colleagues is None or not colleagues.exists()):
        return None
    return RegistrationForm(**picker, registered=registered, questions=event.questions.all())


def detail(
    request: HtmxHttpRequest,
    event: Event,
    *,
    form: RegistrationForm | None = None,
    guest_form: GuestRegistrationForm | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """The event page, or for an htmx post only its registration section.

    `form`/`guest_form`: a bound form to show again with its messages; `extra` goes into the
    context (just_registered, guest_sent)."""
    user = logged_in_user(request)
    context: dict[str, Any] = {"event": event, **extra}
    if user.is_authenticated:
        registration = event.registrations.filter(user=user, status__in=Registration.ACTIVE).first()
        reason = services.refusal(event, user)
        context["registration"] = registration
        context["refusal"] = None if registration else reason
        if reason is None:
            # Registered or not, a contact keeps the form for the colleagues not registered yet.
            context["form"] = form or _registration_form(
                request, event, registered=registration is not None
            )
    elif event.audience == Event.Audience.OPEN and not extra.get("guest_sent"):
        reason = services.guest_refusal(event)
        context["guest_refusal"] = reason
        if reason is None:
            context["guest_form"] = guest_form or GuestRegistrationForm(
                questions=event.questions.all()
            )
    template = DETAIL_TEMPLATE
    if request.htmx and request.method == "POST":
        template += "#registration-area"
        # htmx swaps only successful responses; the section carries its own messages.
        status = 200
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@cached_for_anonymous
@require_safe
def event_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return detail(request, _public_event(pk))


# --- Registering ------------------------------------------------------------------------------


def _participant(request: HttpRequest, colleagues: QuerySet[User] | None) -> User | None:
    """The colleague a contact registers; 403 for others, 404 for people of elsewhere."""
    raw = request.POST.get("participant", "")
    if not raw:
        return None
    if colleagues is None:
        raise PermissionDenied
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(colleagues, pk=pk)


@login_required
@require_POST
def register(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = logged_in_user(request)
    # Without counting its places: the service counts them under the event's lock, and a
    # page shown again counts them afresh.
    event = get_object_or_404(Event.objects.exclude(status=Event.Status.DRAFT), pk=pk)
    # Only the form of a contact or head depends on it (for a colleague once registered
    # oneself); anyone else registered already is told so by the service.
    registered = _registrar_affiliation(request) is not None and (
        event.registrations.filter(user=user, status__in=Registration.ACTIVE).exists()
    )
    # An already registered colleague is a choice the form explains, not a 404.
    participant = _participant(request, _admitted_colleagues(request, event)) or user
    form = RegistrationForm(
        request.POST,
        **_picker(request, event),
        registered=registered,
        questions=event.questions.all(),
    )
    if not form.is_valid():
        return detail(request, _public_event(pk), form=form)
    try:
        registration = services.register(
            event,
            participant,
            registered_by=user,
            affiliation=affiliation_for(request),
            listed_consent=form.cleaned_data["listed_consent"],
            needs=form.cleaned_data["needs"],
            answers=form.answers(),
        )
    except services.RegistrationError as error:
        form.add_error(None, error.message)
        return detail(request, _public_event(pk), form=form)
    if request.htmx:
        # Counted again, so that the places left shown beside the section are current.
        return detail(request, _public_event(pk), just_registered=registration)
    name = participant.get_full_name()
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, _("%(name)s has a place at this event.") % {"name": name})
    else:
        messages.info(
            request,
            _(
                "The event is fully booked: %(name)s is on the waiting list and will be told "
                "by e-mail when a place becomes free."
            )
            % {"name": name},
        )
    return redirect("meetings:registration", registration.pk)


# --- A registration ---------------------------------------------------------------------------


def _registration_for_user(request: HttpRequest, pk: int) -> Registration:
    """The registration, if the user is its participant, a contact of their municipality or
    staff; else 404."""
    registration = get_object_or_404(
        Registration.objects.select_related("event", "user", "organisation__authority"),
        pk=pk,
    )
    user = logged_in_user(request)
    if user.is_staff or registration.user_id == user.pk:
        return registration
    if registration.organisation is not None and is_contact(user, registration.organisation):
        return registration
    raise Http404


def registration_context(registration: Registration) -> dict[str, Any]:
    """What meetings/registration.html shows of a registration, for members and guests."""
    event = registration.event
    show_link = (
        registration.status == Registration.Status.CONFIRMED
        and event.status == Event.Status.PUBLISHED
        and event.format in (Event.Format.ONLINE, Event.Format.HYBRID)
        and bool(event.meeting_link)
    )
    return {
        "registration": registration,
        "event": event,
        "show_meeting_link": show_link,
        "may_cancel": registration.status in Registration.ACTIVE,
    }


@login_required
@require_safe
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _registration_for_user(request, pk)
    context = registration_context(registration)
    user = logged_in_user(request)
    # The feed holds the reader's own registrations: offered only on their own page, and so is
    # the form to register the colleagues not registered yet.
    if registration.user_id == user.pk:
        context["feed_url"] = feed_url(user)
        event = registration.event
        if registration.status in Registration.ACTIVE and services.refusal(event, user) is None:
            context["form"] = _registration_form(request, event, registered=True)
    return render(
        request,
        "meetings/registration.html",
        {
            **context,
            "ics_url": reverse("meetings:registration_ics", args=[registration.pk]),
            "cancel_url": reverse("meetings:cancel", args=[registration.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _registration_for_user(request, pk)
    if registration.status == Registration.Status.CANCELLED:
        messages.info(request, _("This registration has already been cancelled."))
        return redirect("meetings:registration", registration.pk)
    if request.method == "POST":
        try:
            services.cancel(registration, logged_in_user(request))
        except services.RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The registration has been cancelled."))
        return redirect("meetings:registration", registration.pk)
    return render(
        request,
        "meetings/cancel.html",
        {
            "registration": registration,
            "event": registration.event,
            "action_url": reverse("meetings:cancel", args=[registration.pk]),
            "back_url": reverse("meetings:registration", args=[registration.pk]),
        },
    )
