"""What the tests of events in Django admin share: an event with registrations, the event's
form data and the addresses of its tools."""

from __future__ import annotations

import secrets

import pytest
from django.utils import timezone

from meetings.models import Event, Registration
from tests.factories import AffiliationFactory, EventFactory

Status = Registration.Status

EVENTS = "/admin/meetings/event/"
REGISTRATIONS = "/admin/meetings/registration/"


@pytest.fixture
def event():
    return EventFactory(title="Netzwerktreffen in Köln", capacity=5)


def member(event, status=Status.CONFIRMED, name=None, **fields):
    affiliation = AffiliationFactory(**({"user__full_name": name} if name else {}))
    return Registration.objects.create(
        event=event,
        user=affiliation.user,
        organisation=affiliation.organisation,
        registered_by=affiliation.user,
        status=status,
        **fields,
    )


def guest(event, status=Status.CONFIRMED, name="Gerda Gast", **fields):
    return Registration.objects.create(
        event=event,
        guest_name=name,
        guest_email=f"gast-{secrets.token_hex(4)}@verein.example",
        guest_organisation=fields.pop("guest_organisation", "Freiwilligenagentur Bonn"),
        guest_token=secrets.token_urlsafe(32),
        status=status,
        **fields,
    )


def event_form(event: Event, **changes):
    """The POST data of the event's change page with its inlines empty, changes applied."""

    def when(value):
        local = timezone.localtime(value)
        return {"0": local.date().isoformat(), "1": local.time().strftime("%H:%M")}

    data = {
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "status": event.status,
        "format": event.format,
        "venue": event.venue,
        "address": event.address,
        "meeting_link": event.meeting_link,
        "audience": event.audience,
        "capacity": event.capacity or "",
        "limit_per_organisation": event.limit_per_organisation or "",
        "waitlist_enabled": "on" if event.waitlist_enabled else "",
        "remind_hours_before": event.remind_hours_before,
        "followup_note": event.followup_note,
    }
    for field in ("starts_at", "ends_at"):
        for part, value in when(getattr(event, field)).items():
            data[f"{field}_{part}"] = value
    for field in ("registration_opens_at", "registration_closes_at", "cancellation_deadline"):
        data[f"{field}_0"] = data[f"{field}_1"] = ""
    for prefix, count in (
        ("programme_items", 0),
        ("questions", 0),
        ("slots", 0),
        ("documents", 0),
        ("registrations", event.registrations.count()),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for n, registration in enumerate(event.registrations.order_by("created_at", "id")):
        data[f"registrations-{n}-id"] = registration.pk
        data[f"registrations-{n}-event"] = event.pk
    data.update(changes)
    return data
