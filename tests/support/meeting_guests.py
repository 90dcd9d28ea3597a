"""What the tests of guests of open events share: an open workshop, the guest form's data,
applying and confirming."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from meetings.models import Event, Registration
from portal.models import OutboundEmail
from tests.factories import EventFactory

Status = Registration.Status


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def workshop():
    return EventFactory(
        kind=Event.Kind.WORKSHOP,
        title="Workshop Engagementförderung",
        audience=Event.Audience.OPEN,
        capacity=2,
    )


def guest_data(**changes) -> dict[str, str]:
    return {
        "name": "Gerda Gast",
        "email": "gerda@verein.example",
        "organisation": "Freiwilligenagentur Musterstadt",
        "listed_consent": "on",
        "needs": "Rollstuhlplatz",
        "privacy": "on",
        **changes,
    }


def apply(client, event, **changes):
    return client.post(reverse("meetings:guest_register", args=[event.pk]), guest_data(**changes))


def confirm_path(email: str = "gerda@verein.example") -> str:
    mail = OutboundEmail.objects.filter(kind="meetings/guest_confirm", to=email).latest("pk")
    match = re.search(r"https?://\S+(/anmeldung/gast/bestaetigen/[^/\s]+/)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def confirmed_guest(client, event, email="gerda@verein.example") -> Registration:
    apply(client, event, email=email)
    response = client.post(confirm_path(email))
    assert response.status_code == 302
    return Registration.objects.get(event=event, guest_email=email)


def kinds() -> list[str]:
    return list(OutboundEmail.objects.order_by("pk").values_list("kind", flat=True))
