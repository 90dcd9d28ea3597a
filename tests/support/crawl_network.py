"""The small network the crawl of tests/test_browser_crawl.py walks: something on every page."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from meetings.models import (
    Event,
    EventDocument,
    LibraryTopic,
    Publication,
    Registration,
    RegistrationQuestion,
)
from members.models import (
    Affiliation,
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    ConsentRecord,
    Invitation,
    PracticeExample,
    Profile,
    Survey,
    SurveyQuestion,
)
from portal.models import Mailing, SignLanguageVideo, Subscription, Topic
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeItemFactory,
    SessionFactory,
    SignatureFactory,
    StaffFactory,
    TimeSlotFactory,
    UserFactory,
)

# --- Data: a small network with something on every page --------------------------------------


def pdf_file(name: str) -> ContentFile:
    # The smallest well-formed PDF: a catalogue with no pages is enough for a link to it.
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    body += b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return ContentFile(body, name=name)


def png_file(name: str) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 160)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


def member_with_profile(*, examples: int = 1, **organisation):
    municipality = OrganisationFactory.create(**organisation)
    MembershipFactory.create(organisation=municipality)
    profile = Profile.objects.create(
        organisation=municipality,
        introduction="Engagement hat bei uns viele Gesichter: Vereine, Initiativen, Nachbarschaft.",
        coordination_office="Koordinierungsstelle Ehrenamt im Bürgermeisterbüro",
        engagement_alliance="Bündnis für Engagement seit 2021",
        guidelines="Engagementleitlinien vom Rat beschlossen",
        ehrenamtskarte=Profile.Ehrenamtskarte.PARTICIPATING,
        website="https://engagement.kommune.example",
    )
    for number in range(examples):
        PracticeExample.objects.create(
            profile=profile,
            title=f"Ehrenamtsbörse {number + 1}",
            text="Eine Börse bringt Vereine und Freiwillige zusammen, online und im Rathaus.",
            link="https://boerse.kommune.example",
            image=png_file("boerse.png") if number == 0 else "",
            image_alt="Menschen an Ständen im Rathausfoyer" if number == 0 else "",
        )
    return municipality


@dataclass
class Network:
    past_event: Event
    contact_a: object
    head_a: object
    contact_b: object
    user_without_organisation: object
    staff: object


def build_network() -> Network:
    now = timezone.now()
    staff = StaffFactory.create(full_name="Sabine Staatskanzlei")

    member_a = member_with_profile(examples=2)
    for _ in range(3):
        member_with_profile()
    contact_a = AffiliationFactory.create(
        organisation=member_a,
        role=Affiliation.Role.CONTACT,
        office="Engagementbeauftragte",
        public_contact_since=now,
    ).user
    ConsentRecord.objects.create(
        user=contact_a,
        organisation=member_a,
        kind=ConsentRecord.Kind.PUBLIC_CONTACT,
        given=True,
        details={"name": contact_a.full_name, "email": contact_a.email},
    )
    head_a = AffiliationFactory.create(
        organisation=member_a, role=Affiliation.Role.HEAD, office="Bürgermeisterin"
    ).user
    AffiliationFactory.create(organisation=member_a, role=Affiliation.Role.COLLEAGUE)
    Invitation.objects.create(
        organisation=member_a, email="neu@kommune.example", invited_by=contact_a
    )
    SignatureFactory.create(organisation=member_a, submitted_by=head_a)

    # A municipality that applies: the application waits for the applicant's answer.
    applicant = OrganisationFactory.create()
    contact_b = AffiliationFactory.create(
        organisation=applicant, role=Affiliation.Role.CONTACT
    ).user
    application = ApplicationFactory.create(
        organisation=applicant,
        created_by=contact_b,
        status=Application.Status.QUERY,
        submitted_at=now - datetime.timedelta(days=5),
    )
    ApplicationAttachment.objects.create(
        application=application,
        file=pdf_file("ratsbeschluss.pdf"),
        original_name="Ratsbeschluss.pdf",
        size=180,
        uploaded_by=contact_b,
    )
    ApplicationTransition.objects.create(
        application=application, from_status="draft", to_status="submitted", actor=contact_b
    )
    ApplicationTransition.objects.create(
        application=application,
        from_status="submitted",
        to_status="query",
        actor=staff,
        note="Bitte ergänzen Sie den Ratsbeschluss zur Ehrenamtskarte.",
    )

    # Events: for members with a programme and workshops, open to all, for heads, and past.
    members_event = EventFactory.create(
        title="Netzwerktreffen Herbst",
        description="Austausch der Engagementbeauftragten.",
        address="Rathausplatz 1, 48143 Münster",
    )
    ProgrammeItemFactory.create(event=members_event, title="Begrüßung")
    slot = TimeSlotFactory.create(event=members_event, title="Workshops I")
    SessionFactory.create(slot=slot)
    SessionFactory.create(slot=slot, title="Workshop: Engagement im ländlichen Raum")
    RegistrationQuestion.objects.create(
        event=members_event,
        label="Nehmen Sie am Mittagessen teil?",
        kind=RegistrationQuestion.Kind.YES_NO,
    )
    Registration.objects.create(
        event=members_event,
        user=contact_a,
        organisation=member_a,
        registered_by=contact_a,
        status=Registration.Status.CONFIRMED,
        confirmed_at=now,
        listed_consent=True,
    )
    open_event = EventFactory.create(
        title="Engagementkongress NRW",
        kind=Event.Kind.CONGRESS,
        audience=Event.Audience.OPEN,
        format=Event.Format.HYBRID,
        meeting_link="https://konferenz.example/kongress",
    )
    Registration.objects.create(
        event=open_event,
        guest_name="Gerda Gast",
        guest_email="gerda@verein.example",
        guest_organisation="Förderverein",
        guest_token="guest-token-for-the-crawl",
        status=Registration.Status.CONFIRMED,
        confirmed_at=now,
    )
    heads_event = EventFactory.create(
        title="Kommunales Spitzentreffen",
        kind=Event.Kind.SUMMIT,
        audience=Event.Audience.HEADS,
        format=Event.Format.ONLINE,
        venue="",
    )
    Registration.objects.create(
        event=heads_event,
        user=head_a,
        organisation=member_a,
        registered_by=head_a,
        status=Registration.Status.CONFIRMED,
        confirmed_at=now,
    )
    past_event = EventFactory.create(
        title="Werkstatt Ehrenamtskarte",
        kind=Event.Kind.WORKSHOP,
        starts_at=now - datetime.timedelta(days=20),
    )
    Registration.objects.create(
        event=past_event,
        user=contact_a,
        organisation=member_a,
        registered_by=contact_a,
        status=Registration.Status.CONFIRMED,
        confirmed_at=now - datetime.timedelta(days=30),
        attended_at=past_event.starts_at,
    )
    for title, visibility in (
        ("Folien", EventDocument.Visibility.PUBLIC),
        ("Protokoll", EventDocument.Visibility.MEMBERS),
    ):
        EventDocument.objects.create(
            event=past_event,
            title=title,
            kind=EventDocument.Kind.SLIDES,
            file=pdf_file(f"{title.lower()}.pdf"),
            content_type="application/pdf",
            size=180,
            visibility=visibility,
        )

    # Information e-mails: a topic, a subscription and a sent mailing in the archive.
    topic = Topic.objects.create(name="Kurzformate", slug="kurzformate", description="Termine")
    Subscription.objects.create(user=contact_a, topic=topic)
    finished = now - datetime.timedelta(days=2)
    Mailing.objects.create(
        subject="Neues aus dem Netzwerk",
        body="Liebe Mitglieder,\n\n**wichtig**: das [Netzwerktreffen](/veranstaltungen/) kommt.",
        topic=topic,
        include=[{"segment": "members.contacts"}],
        status=Mailing.Status.SENT,
        created_by=staff,
        started_at=finished - datetime.timedelta(minutes=5),
        finished_at=finished,
        recipient_count=4,
    )

    # A survey for the contact persons of members, with one question of each kind.
    survey = Survey.objects.create(
        title="Umfrage zur Engagementförderung",
        introduction="Ihre Antworten helfen bei der Planung des Netzwerks.",
        audience=[{"segment": "members.contacts"}],
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=14),
        created_by=staff,
    )
    for position, (kind, options) in enumerate(
        [
            (SurveyQuestion.Kind.SINGLE, "Ja\nNein"),
            (SurveyQuestion.Kind.MULTIPLE, "Vereine\nSchulen\nUnternehmen"),
            (SurveyQuestion.Kind.SCALE, ""),
            (SurveyQuestion.Kind.TEXT, ""),
        ]
    ):
        SurveyQuestion.objects.create(
            survey=survey,
            position=position,
            text=f"Frage {position + 1} zur Engagementförderung",
            kind=kind,
            options=options,
            scale_min_label="gar nicht",
            scale_max_label="sehr",
        )

    # The library: a public item and one for members, from the past event.
    card = LibraryTopic.objects.create(name="Ehrenamtskarte")
    for title, shown_to in (
        ("Die Ehrenamtskarte im ländlichen Raum", Publication.Visibility.PUBLIC),
        ("Dokumentation der Werkstatt", Publication.Visibility.MEMBERS),
    ):
        item = Publication.objects.create(
            title=title,
            summary="Erfahrungen aus Kreisen und Gemeinden.",
            kind=Publication.Kind.DOCUMENTATION,
            year=2025,
            file=pdf_file("dokumentation.pdf"),
            file_name="dokumentation.pdf",
            file_size=180,
            event=past_event,
            visibility=shown_to,
        )
        item.topics.add(card)

    # One topic of the sign-language page with its video, the others still without.
    SignLanguageVideo.objects.create(
        topic="netzwerk",
        video=ContentFile(b"\x00\x00\x00\x18ftypisom" + bytes(64), name="netzwerk.mp4"),
        video_type="video/mp4",
        captions=ContentFile(
            b"WEBVTT\n\n00:00.000 --> 00:02.000\nWillkommen.\n", name="netzwerk.vtt"
        ),
        text_version="Das Kommunen-Netzwerk ist eine Gruppe von Kommunen.",
    )

    return Network(
        past_event=past_event,
        contact_a=contact_a,
        head_a=head_a,
        contact_b=contact_b,
        user_without_organisation=UserFactory.create(),
        staff=staff,
    )
