"""What the tests of the event pages share: events, registering and reading a registration."""

from __future__ import annotations

import pytest
from django.urls import reverse

from meetings.models import Registration
from tests.factories import EventFactory
from tests.helpers import client_for

Status = Registration.Status
LINK = "https://meet.example.org/geheim-123"


@pytest.fixture
def event():
    return EventFactory(description="Erste Zeile\n\n<b>fett</b>")


def register(user, event, **data):
    return client_for(user).post(reverse("meetings:register", args=[event.pk]), data)


def registration_of(user, event) -> Registration:
    return Registration.objects.get(user=user, event=event)
