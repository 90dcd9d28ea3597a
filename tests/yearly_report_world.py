"""A hand-made world of known numbers for the yearly report of 2025 (tests/test_yearly_report*).

`build_world(factor)` makes `factor` copies of everything that counts, so the expected figures
are the ones in EXPECTED times the factor (the query-count test compares 1x and 10x).
"""

from __future__ import annotations

import datetime
import secrets
from typing import cast
from zoneinfo import ZoneInfo

from declarations.models import DeclarationVersion, Signature
from meetings.events.models import Event, Registration
from meetings.library.models import Publication
from members.models import Affiliation, Authority, Membership, Organisation
from members.surveys.models import Survey, SurveyResponse
from portal.mailings.models import Mailing, MailingRecipient, Unsubscribe
from portal.outbox.models import OutboundEmail
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    SignatureFactory,
    SurveyFactory,
)

YEAR = 2025
BERLIN = ZoneInfo("Europe/Berlin")

# Per copy of the world.
EXPECTED = {
    "start": 3,  # A, C, Kreis
    "joined": 2,  # B, D
    "left": 2,  # C (Haushaltssperre), D (Gebietsreform)
    "end": 3,  # A, B, Kreis
    "valid_signatures": 3,  # A, B (2025), Kreis (2024)
    "signed_in_year": 2,
    "on_paper": 1,
    "registered": 4,
    "attended": 2,
    "waiting": 1,
    "recipients": 3,
    "delivered": 2,
    "failed": 1,
    "unsubscribed": 2,
    "asked": 2,  # the contact persons of A and B, current members
    "responses": 1,
    "library_added": 2,
}


def moment(month: int, day: int, year: int = YEAR) -> datetime.datetime:
    return datetime.datetime(year, month, day, 10, 0, tzinfo=BERLIN)


def _organisation(kind: str = "Gemeinde") -> Organisation:
    authority = (
        Authority.objects.filter(kind=kind, organisation__isnull=True).order_by("ags").first()
    )
    assert authority is not None
    return Organisation.objects.create(authority=authority)


def _member(organisation: Organisation, since: datetime.date, until=None, reason="") -> None:
    Membership.objects.create(
        organisation=organisation, since=since, until=until, exit_reason=reason
    )


def build_world(factor: int = 1, first: int = 0) -> None:
    """`factor` copies, numbered from `first` (names and addresses stay unique)."""
    version, _created = DeclarationVersion.objects.get_or_create(
        label="2017",
        defaults={
            "title": "Gemeinsame Erklärung 2017",
            "body": "Text",
            "published_on": datetime.date(2017, 3, 1),
            "is_historical": True,
        },
    )
    for copy in range(first, first + factor):
        a, b, c, d, e = (_organisation() for _ in range(5))
        kreis = _organisation("Kreis")
        _member(a, datetime.date(2020, 1, 1))
        _member(b, datetime.date(2025, 3, 1))
        _member(c, datetime.date(2021, 5, 1), datetime.date(2025, 6, 30), "Haushaltssperre")
        _member(d, datetime.date(2025, 2, 1), datetime.date(2025, 10, 31), "Gebietsreform")
        _member(e, datetime.date(2026, 1, 5))
        _member(kreis, datetime.date(2019, 9, 1))

        for organisation, signed_on, paper in (
            (a, datetime.date(2025, 4, 1), False),
            (b, datetime.date(2025, 5, 2), True),
            (kreis, datetime.date(2024, 1, 1), False),
        ):
            SignatureFactory(
                version=version, organisation=organisation, signed_on=signed_on, on_paper=paper
            )
        # Superseded before the year began: not valid at its end.
        superseded = cast(
            Signature,
            SignatureFactory(version=version, organisation=c, signed_on=datetime.date(2022, 1, 1)),
        )
        Signature.objects.filter(pk=superseded.pk).update(superseded_at=moment(12, 1, 2024))

        event = cast(
            Event,
            EventFactory(
                title=f"Netzwerktreffen Frühjahr {copy}",
                starts_at=moment(5, 10),
                ends_at=moment(5, 10) + datetime.timedelta(hours=5),
                capacity=10,
            ),
        )
        statuses = ["confirmed"] * 4 + ["waitlisted", "cancelled"]
        for number, status in enumerate(statuses):
            Registration.objects.create(
                event=event,
                guest_name=f"Gast {number}",
                guest_email=f"gast{copy}-{number}@verein.example",
                guest_token=secrets.token_urlsafe(16),
                status=status,
                attended_at=moment(5, 10) if number < 2 else None,
            )
        EventFactory(title="Entwurf", starts_at=moment(6, 1), status=Event.Status.DRAFT)
        EventFactory(title="Nächstes Jahr", starts_at=moment(2, 1, 2026))

        mailing = Mailing.objects.create(
            subject=f"Rundbrief {copy}",
            body="Text",
            status=Mailing.Status.SENT,
            started_at=moment(3, 3),
            finished_at=moment(3, 3),
            recipient_count=3,
        )
        for number, status in enumerate(["sent", "sent", "failed"]):
            address = f"leser{copy}-{number}@kommune.example"
            outbound = OutboundEmail.objects.create(
                kind="portal/mailing",
                to=address,
                from_email="team@portal.example",
                subject=mailing.subject,
                body_text="Text",
                language="de",
                status=status,
            )
            MailingRecipient.objects.create(
                mailing=mailing, email=address, language="de", outbound=outbound
            )
        for number in range(2):
            unsubscribe = Unsubscribe.objects.create(
                email=f"weg{copy}-{number}@kommune.example",
                topic=None,
                source=Unsubscribe.Source.LINK,
            )
            Unsubscribe.objects.filter(pk=unsubscribe.pk).update(created_at=moment(7, 1))

        for organisation in (a, b, c):
            AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT)
        survey = cast(
            Survey,
            SurveyFactory(
                title=f"Umfrage Ehrenamtskarte {copy}",
                opens_at=moment(4, 1),
                closes_at=moment(4, 30),
            ),
        )
        SurveyResponse.objects.create(
            survey=survey,
            respondent_key=f"organisation:{a.pk}",
            organisation=a,
            status=SurveyResponse.Status.SUBMITTED,
            submitted_at=moment(4, 2),
        )

        for kind, created in (("publication", 2025), ("method", 2025), ("documentation", 2024)):
            item = Publication.objects.create(
                title=f"Handreichung {kind} {copy}", summary="Kurz", kind=kind, year=created
            )
            Publication.objects.filter(pk=item.pk).update(created_at=moment(8, 1, created))
