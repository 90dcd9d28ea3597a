"""The meetings' part of the demo data: two coming events, one with a registration."""

from __future__ import annotations

import datetime

from django.utils import timezone

from meetings.models import Event, Registration
from portal.demo import register_demo
from portal.models import User


@register_demo(order=30)
def load_meetings_demo() -> None:
    if Event.objects.exists():
        return
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    meeting = Event.objects.create(
        kind=Event.Kind.NETWORK_MEETING,
        title="Netzwerktreffen Frühjahr",
        description="Austausch der Engagementbeauftragten: Ehrenamtskarte, Engagementbündnisse "
        "und Praxisbeispiele aus den Mitgliedskommunen.",
        starts_at=start + datetime.timedelta(days=40),
        ends_at=start + datetime.timedelta(days=40, hours=6),
        format=Event.Format.IN_PERSON,
        venue="Stadthaus Münster",
        address="Klemensstraße 10, 48143 Münster",
        audience=Event.Audience.MEMBERS_STAFF,
        capacity=60,
        limit_per_organisation=3,
        status=Event.Status.PUBLISHED,
    )
    Event.objects.create(
        kind=Event.Kind.SHORT_FORMAT,
        title="Digitales Kurzformat: Engagement und Klimaschutz",
        description="Eine Stunde, ein Thema: Wie Kommunen Engagement für den Klimaschutz fördern.",
        starts_at=start + datetime.timedelta(days=14, hours=4),
        ends_at=start + datetime.timedelta(days=14, hours=5),
        format=Event.Format.ONLINE,
        meeting_link="https://konferenz.kommunen-netzwerk.example/kurzformat",
        audience=Event.Audience.MEMBERS_STAFF,
        capacity=100,
        status=Event.Status.PUBLISHED,
    )
    officer = User.objects.get(email="engagement@muenster.example")
    Registration.objects.create(
        event=meeting,
        user=officer,
        organisation=officer.affiliation.organisation,
        registered_by=officer,
        status=Registration.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        listed_consent=True,
    )
