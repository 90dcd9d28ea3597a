"""Factories for an event's programme and parallel sessions."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from meetings.models import ProgrammeItem, Session, TimeSlot
from tests.factories import EventFactory


class TimeSlotFactory(DjangoModelFactory[TimeSlot]):
    """Workshops one hour after the event starts, for ninety minutes."""

    class Meta:
        model = TimeSlot

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Workshopphase {n}")
    starts_at = factory.LazyAttribute(
        lambda slot: slot.event.starts_at + datetime.timedelta(hours=1)
    )
    ends_at = factory.LazyAttribute(lambda slot: slot.starts_at + datetime.timedelta(minutes=90))


class SessionFactory(DjangoModelFactory[Session]):
    class Meta:
        model = Session

    slot = factory.SubFactory(TimeSlotFactory)
    title = factory.Sequence(lambda n: f"Workshop {n:02d}: Ehrenamt stärken")
    speakers = "Dr. Petra Praxis"
    room = "Raum 1"
    capacity = 5


class ProgrammeItemFactory(DjangoModelFactory[ProgrammeItem]):
    class Meta:
        model = ProgrammeItem

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Programmpunkt {n}")
    starts_at = factory.LazyAttribute(lambda item: item.event.starts_at)
