"""The panel "Next events" of the staff's overview (portal.staff_dashboard): places taken and
the waiting list of the coming events, counted in one query."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from meetings.events.models import Event, Registration
from portal.staff_dashboard.views import change_url, changelist_url, may_view, register_staff_panel

NEXT_EVENTS = 6


def _registrations_url(event: Event, status: str) -> str:
    # RegistrationAdmin's filters "status" and ("event", RelatedOnlyFieldListFilter).
    return changelist_url(Registration, event__id__exact=event.pk, status__exact=status)


def fill_rate(confirmed: int, capacity: int | None) -> int | None:
    """Places taken in per cent, rounded; None for an event without a limit."""
    if not capacity:
        return None
    return round(confirmed * 100 / capacity)


@register_staff_panel(order=40)
def events_panel(request: HttpRequest) -> SafeString | None:
    # The figures are registrations: who may not see those sees no panel.
    if not (may_view(request, Event) and may_view(request, Registration)):
        return None
    Status = Registration.Status
    events = (
        Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__gte=timezone.now())
        .only("title", "starts_at", "capacity")
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
            waitlisted=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
        )
        .order_by("starts_at", "pk")[:NEXT_EVENTS]
    )
    rows: list[dict[str, Any]] = [
        {
            "event": event,
            "url": change_url(event),
            "fill_rate": fill_rate(event.confirmed, event.capacity),
            "confirmed_url": _registrations_url(event, Status.CONFIRMED),
            "waitlisted_url": _registrations_url(event, Status.WAITLISTED),
        }
        for event in events
    ]
    return render_to_string(
        "meetings/staff/events_panel.html",
        {"panel": "events", "rows": rows, "all_url": changelist_url(Event)},
        request=request,
    )
