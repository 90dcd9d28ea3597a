"""The meetings' part of the demo data: coming events of each audience, one congress with a
programme and parallel workshops, and a past workshop; a few items of the library."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify

from meetings.models import (
    Event,
    LibraryTopic,
    ProgrammeItem,
    Publication,
    Registration,
    Session,
    TimeSlot,
)
from members.models import PracticeExample
from portal.demo import register_demo
from portal.models import User
from portal.pdf import PAGE_STYLESHEET, PROJECT_DIR, write_pdf


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


@register_demo(order=35)
def load_library_demo() -> None:
    """A few items of the library: public and for members, with a file, a link, an event and
    a practice example."""
    if Publication.objects.exists():
        return
    topics = {
        name: LibraryTopic.objects.get_or_create(name=name)[0]
        for name in (
            "Ehrenamtskarte",
            "Engagementstrategie",
            "Freiwilligenagenturen",
            "Anerkennungskultur",
            "Ländliche Räume",
        )
    }
    workshop = Event.objects.filter(title="Werkstatt: Engagement in ländlichen Räumen").first()
    lotsen = PracticeExample.objects.filter(title="Engagement-Lotsen in den Stadtteilen").first()
    items = [
        (
            {
                "title": "Die Ehrenamtskarte NRW in der eigenen Kommune einführen",
                "summary": "Eine Handreichung für Engagementbeauftragte: welche Beschlüsse "
                "nötig sind, wie Partner für Vergünstigungen gewonnen werden und wie die "
                "Ehrenamtskarte bekannt wird.",
                "kind": Publication.Kind.PUBLICATION,
                "year": 2025,
                "visibility": Publication.Visibility.PUBLIC,
            },
            ["Ehrenamtskarte", "Anerkennungskultur"],
        ),
        (
            {
                "title": "Engagementstrategie in fünf Schritten",
                "summary": "Ein Arbeitsblatt für den Weg von der Bestandsaufnahme über die "
                "Beteiligung der Vereine bis zum Ratsbeschluss einer kommunalen "
                "Engagementstrategie.",
                "kind": Publication.Kind.METHOD,
                "year": 2024,
                "link": "https://www.kommunen-netzwerk.example/engagementstrategie",
                "visibility": Publication.Visibility.PUBLIC,
            },
            ["Engagementstrategie"],
        ),
        (
            {
                "title": "Freiwilligenagenturen und Verwaltung: gemeinsam stärker",
                "summary": "Wie Kommunen und Freiwilligenagenturen ihre Aufgaben teilen, "
                "Beratung abstimmen und Engagierte gemeinsam begleiten.",
                "kind": Publication.Kind.PUBLICATION,
                "year": 2023,
                "link": "https://www.kommunen-netzwerk.example/freiwilligenagenturen",
                "visibility": Publication.Visibility.PUBLIC,
            },
            ["Freiwilligenagenturen"],
        ),
        (
            {
                "title": "Dokumentation der Werkstatt zu Engagement in ländlichen Räumen",
                "summary": "Ergebnisse der Werkstatt im Kreishaus Steinfurt: Mobilität, "
                "Nachwuchs für Vereine und Treffpunkte im Dorf.",
                "kind": Publication.Kind.DOCUMENTATION,
                "year": timezone.localdate().year,
                "event": workshop,
                "visibility": Publication.Visibility.MEMBERS,
            },
            ["Ländliche Räume"],
        ),
        (
            {
                "title": "Engagement-Lotsen ausbilden: Ablauf und Materialien",
                "summary": "Die Schulungsbausteine, mit denen Münster ehrenamtliche Lotsinnen "
                "und Lotsen auf die Beratung in den Stadtteilen vorbereitet.",
                "kind": Publication.Kind.METHOD,
                "year": 2025,
                "link": "https://www.kommunen-netzwerk.example/engagement-lotsen",
                "practice_example": lotsen,
                "visibility": Publication.Visibility.MEMBERS,
            },
            ["Anerkennungskultur"],
        ),
        (
            {
                "title": "Leitlinien für digitale Beteiligung (Entwurf)",
                "summary": "Noch in Abstimmung mit der Staatskanzlei: Empfehlungen für "
                "Online-Beteiligung von Engagierten.",
                "kind": Publication.Kind.PUBLICATION,
                "year": timezone.localdate().year,
                "link": "https://www.kommunen-netzwerk.example/digitale-beteiligung",
                "is_published": False,
            },
            ["Engagementstrategie"],
        ),
    ]
    for fields, names in items:
        publication = Publication(**fields)
        if not publication.link:
            content = _library_pdf(publication.title, publication.summary)
            file_name = slugify(publication.title)[:60] + ".pdf"
            publication.file.save(file_name, ContentFile(content), save=False)
            publication.file_name = f"{publication.title}.pdf"
            publication.file_size = len(content)
        publication.save()
        publication.topics.set([topics[name] for name in names])


def _library_pdf(title: str, summary: str) -> bytes:
    html = format_html(
        '<html lang="de"><head><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>',
        title,
        title,
        summary,
    )
    print_css = PROJECT_DIR / "templates" / "meetings" / "pdf" / "print.css"
    return write_pdf(str(html), (PAGE_STYLESHEET, print_css))
