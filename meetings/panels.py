"""The dashboard panel "My events": coming registrations and the personal calendar feed."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from meetings.events.calendar import feed_url
from meetings.events.models import Event, Registration
from portal.models import User
from portal.pages.dashboard import register_panel


@register_panel(order=30)
def events_panel(request: HttpRequest) -> SafeString:
    user = cast(User, request.user)  # the dashboard is behind login_required
    registrations = (
        Registration.objects.filter(
            user=user, status__in=Registration.ACTIVE, event__ends_at__gte=timezone.now()
        )
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event")
        # What the panel shows, not the rows' long texts (descriptions, notes, answers).
        .only("status", "event__title", "event__starts_at", "event__status")
        .order_by("event__starts_at", "id")
    )
    return render_to_string(
        "meetings/panel.html",
        {"registrations": registrations, "feed_url": feed_url(user)},
        request=request,
    )
