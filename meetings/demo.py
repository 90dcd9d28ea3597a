"""The meetings' part of the demo data: coming events of each audience, one congress with a
programme and parallel workshops, and a past workshop."""

from __future__ import annotations

import datetime

from django.utils import timezone

from meetings.models import Event, ProgrammeItem, Registration, Session, TimeSlot
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
    _load_congress(start + datetime.timedelta(days=60))
    Event.objects.create(
        kind=Event.Kind.SUMMIT,
        title="Kommunales Spitzentreffen",
        description="Das jährliche digitale Treffen der Bürgermeisterinnen, Bürgermeister, "
        "Landrätinnen und Landräte des Netzwerks mit der Staatskanzlei.",
        starts_at=start + datetime.timedelta(days=75, hours=4),
        ends_at=start + datetime.timedelta(days=75, hours=6),
        format=Event.Format.ONLINE,
        meeting_link="https://konferenz.kommunen-netzwerk.example/spitzentreffen",
        audience=Event.Audience.HEADS,
        status=Event.Status.PUBLISHED,
    )
    Event.objects.create(
        kind=Event.Kind.WORKSHOP,
        title="Werkstatt: Engagement in ländlichen Räumen",
        description="Offene Werkstatt für Kommunen, Vereine und Initiativen.",
        starts_at=start - datetime.timedelta(days=30),
        ends_at=start - datetime.timedelta(days=30, hours=-4),
        format=Event.Format.IN_PERSON,
        venue="Kreishaus Steinfurt",
        address="Tecklenburger Straße 10, 48565 Steinfurt",
        audience=Event.Audience.OPEN,
        capacity=40,
        status=Event.Status.PUBLISHED,
    )


def _load_congress(day: datetime.datetime) -> None:
    """An open, hybrid Engagementkongress: keynote, panel and two rounds of workshops."""
    congress = Event.objects.create(
        kind=Event.Kind.CONGRESS,
        title="Engagementkongress NRW",
        description="Ein Tag für alle, die Engagement in den Kommunen stärken: Impulsvortrag, "
        "Podium und Werkstätten am Nachmittag.",
        starts_at=day.replace(hour=9, minute=30),
        ends_at=day.replace(hour=17, minute=0),
        format=Event.Format.HYBRID,
        venue="Kongresszentrum Essen",
        address="Norbertstraße 2, 45131 Essen",
        meeting_link="https://konferenz.kommunen-netzwerk.example/kongress",
        audience=Event.Audience.OPEN,
        capacity=300,
        limit_per_organisation=5,
        status=Event.Status.PUBLISHED,
    )

    def at(hour: int, minute: int = 0) -> datetime.datetime:
        return day.replace(hour=hour, minute=minute)

    for begin, end, title, speakers in [
        (at(9, 30), at(10), "Begrüßung", "Staatskanzlei NRW"),
        (at(10), at(11), "Impulsvortrag: Engagement braucht Verlässlichkeit", ""),
        (at(11, 15), at(12, 30), "Podium: Was Kommunen von Initiativen lernen", ""),
        (at(12, 30), at(13, 30), "Mittagspause", ""),
    ]:
        ProgrammeItem.objects.create(
            event=congress, starts_at=begin, ends_at=end, title=title, speakers=speakers
        )
    rounds = [
        (
            "Werkstattrunde I",
            at(13, 30),
            at(15),
            ["Ehrenamtskarte", "Engagementbörsen", "Vereinsberatung"],
        ),
        (
            "Werkstattrunde II",
            at(15, 15),
            at(16, 45),
            ["Junges Engagement", "Digitale Beteiligung", "Anerkennungskultur"],
        ),
    ]
    for title, begin, end, topics in rounds:
        slot = TimeSlot.objects.create(event=congress, title=title, starts_at=begin, ends_at=end)
        for number, topic in enumerate(topics, start=1):
            Session.objects.create(
                slot=slot, title=topic, room=f"Raum {number}", capacity=30 if number > 1 else 12
            )
