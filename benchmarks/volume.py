"""Realistic amounts of data for the benchmark and the query-budget tests.

`grow()` adds, next to whatever is there (the demo data, a test's fixtures), what a network
a few years old holds: member municipalities with their people, profiles and signatures,
a long tail of applications, past and coming events full of registrations, and sent
information e-mails with their delivery rows. It writes with bulk_create, so that the
benchmark's default (100 members, 50 events with 5,000 registrations, 1,000 applications,
20 mailings) takes seconds, and the tests can grow the data tenfold cheaply.

`FULL` is the network's full size (issue 19, `--scale full`, `BENCH_SCALE=full`): every
authority of the register a member (NRW has 432; nothing in the portal can grow past that),
2,000 people, 200 events with 20,000 registrations, 500 mailings with their deliveries,
1,000 library items, 30 surveys and ten years of membership history.

Run inside Django (benchmarks/run calls `python benchmarks/volume.py` with the project's
settings); it refuses DEBUG off unless --force, like load_demo_data.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import random
import secrets
from dataclasses import dataclass, replace

from benchmarks.volume_rows import application_row, user_row

KEEP_FREE = 50
PASSWORD = "Bench-Passwort-2026"  # noqa: S105 - benchmark accounts on loopback only


@dataclass(frozen=True)
class Volume:
    members: int = 100
    applicants: int = 300
    applications: int = 1000
    events: int = 50
    registrations: int = 5000
    mailings: int = 20
    publications: int = 200
    surveys: int = 5
    # 0: three people a member and one an applicant; otherwise spread over the members.
    people: int = 0
    # How far back memberships, applications, events and mailings reach.
    history_days: int = 2400
    # Events still to come (the rest lie in the past); None: every second one.
    upcoming_events: int | None = None
    # Every authority of the register becomes a member, not only municipalities (and none is
    # kept free for the registration rush, which then uses members).
    all_authorities: bool = False

    def times(self, factor: int) -> Volume:
        counts = ["members", "applicants", "applications", "events", "registrations"]
        counts += ["mailings", "publications", "surveys", "people"]
        return replace(self, **{name: getattr(self, name) * factor for name in counts})


# The network's full size: 432 authorities is the register, so members cap at what is free.
FULL = Volume(
    members=432,
    applicants=0,
    applications=1000,
    events=200,
    registrations=20000,
    mailings=500,
    publications=1000,
    surveys=30,
    people=2000,
    history_days=3650,
    # 200 events in ten years are some 20 a year: a dozen lie ahead at any time.
    upcoming_events=12,
    all_authorities=True,
)


def grow(volume: Volume = Volume(), seed: int = 2026) -> dict[str, int]:
    """Add the volume of data; returns what was made, by kind."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from declarations.models import DeclarationVersion, Signature
    from meetings.library.models import refresh_search_documents
    from meetings.models import Event, LibraryTopic, Publication, Registration
    from members.models import (
        Affiliation,
        Application,
        Authority,
        Membership,
        Organisation,
        PracticeExample,
        Profile,
        Survey,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
    )
    from portal.models import Mailing, MailingRecipient, OutboundEmail, User

    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    now = timezone.now()
    run = secrets.token_hex(3)  # addresses stay unique when grow() runs twice
    made: dict[str, int] = {}

    with transaction.atomic():
        authorities = Authority.objects.filter(organisation__isnull=True)
        if not volume.all_authorities:
            authorities = authorities.filter(kind__in=["Stadt", "Gemeinde"])
        free = list(authorities.order_by("ags").values_list("pk", flat=True))
        # Only 396 municipalities exist: above that, applications pile up on fewer of them. Some
        # stay free for the registration rush, which brings municipalities of its own.
        keep_free = 0 if volume.all_authorities else KEEP_FREE
        wanted = min(volume.members + volume.applicants, max(len(free) - keep_free, 0))
        organisations = Organisation.objects.bulk_create(
            [Organisation(authority_id=pk) for pk in free[:wanted]]
        )
        members = organisations[: volume.members]
        applicants = organisations[volume.members :] or organisations
        made["organisations"] = len(organisations)

        password = make_password(PASSWORD)
        people: list[tuple[User, Organisation, str]] = []
        per_member = max(
            3, (volume.people - len(organisations[volume.members :])) // max(len(members), 1)
        )
        for index, organisation in enumerate(members):
            # The rest of the division goes to the first members, a colleague each.
            extra = int(index < (volume.people - per_member * len(members)))
            roles = [Affiliation.Role.CONTACT, Affiliation.Role.HEAD]
            roles += [Affiliation.Role.COLLEAGUE] * (per_member - 2 + extra)
            for role in roles:
                people.append((user_row(run, len(people), password), organisation, role))
        member_people_count = len(people)
        for organisation in organisations[volume.members :]:
            people.append(
                (user_row(run, len(people), password), organisation, Affiliation.Role.CONTACT)
            )
        User.objects.bulk_create([user for user, _, _ in people])
        users = {
            user.email: user for user in User.objects.filter(email__endswith=f".{run}.example")
        }
        people = [(users[user.email], organisation, role) for user, organisation, role in people]
        Affiliation.objects.bulk_create(
            [
                Affiliation(
                    user=user,
                    organisation=organisation,
                    role=role,
                    office="Bürgermeisterin" if role == Affiliation.Role.HEAD else "",
                    public_contact_since=now if role == Affiliation.Role.CONTACT else None,
                )
                for user, organisation, role in people
            ]
        )
        made["people"] = len(people)
        contact_of = {
            organisation.pk: user
            for user, organisation, role in people
            if role == Affiliation.Role.CONTACT
        }

        applications = []
        for organisation in members:
            applications.append(
                application_row(
                    organisation,
                    contact_of[organisation.pk],
                    Application.Status.APPROVED,
                    rng,
                    now,
                    volume.history_days,
                )
            )
        statuses = [
            status for status in Application.Status if status != Application.Status.APPROVED
        ]
        closed = [Application.Status.REJECTED, Application.Status.WITHDRAWN]
        with_open_application: set[int] = set()
        for organisation in itertools.islice(
            itertools.cycle(applicants), max(volume.applications - len(members), 0)
        ):
            # A municipality has at most one open application; earlier ones ended.
            status = rng.choice(
                closed
                if organisation.pk in with_open_application or organisation in members
                else statuses
            )
            if status in Application.OPEN_STATUSES:
                with_open_application.add(organisation.pk)
            applications.append(
                application_row(
                    organisation,
                    contact_of.get(organisation.pk),
                    status,
                    rng,
                    now,
                    volume.history_days,
                )
            )
        Application.objects.bulk_create(applications)
        made["applications"] = len(applications)
        approved = {
            a.organisation_id: a for a in applications if a.status == Application.Status.APPROVED
        }
        memberships = Membership.objects.bulk_create(
            [
                Membership(
                    organisation=organisation,
                    application=approved[organisation.pk],
                    since=(
                        now - datetime.timedelta(days=rng.randint(30, volume.history_days))
                    ).date(),
                )
                for organisation in members
            ]
        )
        # Every tenth member had left once before: two years, ended the day before it rejoined.
        Membership.objects.bulk_create(
            [
                Membership(
                    organisation=membership.organisation,
                    since=membership.since - datetime.timedelta(days=731),
                    until=membership.since - datetime.timedelta(days=1),
                    exit_reason="Haushaltssicherung",
                )
                for membership in memberships[::10]
            ]
        )
        profiles = Profile.objects.bulk_create(
            [
                Profile(
                    organisation=organisation,
                    introduction="Engagement hat bei uns eine lange Tradition. " * 4,
                    website="https://www.example.org/engagement",
                )
                for organisation in members
            ]
        )
        PracticeExample.objects.bulk_create(
            [
                PracticeExample(
                    profile=profile,
                    title="Ehrenamtsbörse im Rathaus",
                    text="Jeden ersten Montag beraten Freiwillige andere Freiwillige. " * 3,
                )
                for profile in profiles
            ]
        )

        version = DeclarationVersion.objects.filter(is_current=True).first()
        if version is not None:
            signing = members[: int(len(members) * 0.8)]
            Signature.objects.bulk_create(
                [
                    Signature(
                        version=version,
                        organisation=organisation,
                        signatory_name=f"Bürgermeisterin {index}",
                        signatory_office="Bürgermeisterin",
                        place="Musterstadt",
                        signed_on=(now - datetime.timedelta(days=rng.randint(1, 300))).date(),
                        authorisation_confirmed=True,
                        submitted_by=contact_of[organisation.pk],
                    )
                    for index, organisation in enumerate(signing)
                ]
            )
            made["signatures"] = len(signing)

        events = []
        for index in range(volume.events):
            # Coming events within half a year, past ones back through the history.
            upcoming = (
                index % 2 == 1 if volume.upcoming_events is None else index < volume.upcoming_events
            )
            back = 200 if volume.upcoming_events is None else volume.history_days
            days = rng.randint(5, 200) if upcoming else -rng.randint(5, back)
            starts = now + datetime.timedelta(days=days)
            events.append(
                Event(
                    kind=rng.choice([Event.Kind.NETWORK_MEETING, Event.Kind.WORKSHOP]),
                    title=f"Netzwerktreffen {index + 1}",
                    description="Austausch der Mitgliedskommunen zu aktuellen Themen.",
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=5),
                    format=Event.Format.IN_PERSON,
                    venue="Stadthalle",
                    audience=Event.Audience.MEMBERS_STAFF,
                    capacity=max(volume.registrations // max(volume.events, 1), 10),
                    status=Event.Status.PUBLISHED,
                )
            )
        Event.objects.bulk_create(events)
        member_people = [
            (user, organisation) for user, organisation, _ in people[:member_people_count]
        ]
        registrations = []
        per_event = volume.registrations // max(volume.events, 1)
        for event in events:
            for user, organisation in rng.sample(member_people, min(per_event, len(member_people))):
                registration_status = rng.choices(
                    [
                        Registration.Status.CONFIRMED,
                        Registration.Status.WAITLISTED,
                        Registration.Status.CANCELLED,
                    ],
                    [85, 10, 5],
                )[0]
                registrations.append(
                    Registration(
                        event=event,
                        user=user,
                        organisation=organisation,
                        registered_by=user,
                        status=registration_status,
                        confirmed_at=now
                        if registration_status == Registration.Status.CONFIRMED
                        else None,
                        listed_consent=rng.random() < 0.5,
                    )
                )
        Registration.objects.bulk_create(registrations, batch_size=2000)
        made["events"] = len(events)
        made["registrations"] = len(registrations)

        # The mailings go to the members' contacts (their segment), as the portal sends them.
        recipients = [
            user
            for user, organisation, role in people[:member_people_count]
            if role == Affiliation.Role.CONTACT
        ]
        spacing = min(14, volume.history_days // max(volume.mailings, 1))
        mailings = Mailing.objects.bulk_create(
            [
                Mailing(
                    subject=f"Informationen aus dem Netzwerk {index + 1}",
                    body="## Neues aus dem Netzwerk\n\nLiebe Kolleginnen und Kollegen, …",
                    include=[{"segment": "members.contacts"}],
                    status=Mailing.Status.SENT,
                    started_at=now - datetime.timedelta(days=index * spacing),
                    finished_at=now - datetime.timedelta(days=index * spacing),
                    recipient_count=len(recipients),
                )
                for index in range(volume.mailings)
            ]
        )
        outbound = OutboundEmail.objects.bulk_create(
            [
                OutboundEmail(
                    kind="portal/mailing",
                    to=user.email,
                    from_email="netzwerk@example.org",
                    subject=mailing.subject,
                    body_text=mailing.body,
                    language="de",
                    status=OutboundEmail.Status.SENT,
                    sent_at=mailing.finished_at,
                )
                for mailing in mailings
                for user in recipients
            ],
            batch_size=2000,
        )
        MailingRecipient.objects.bulk_create(
            [
                MailingRecipient(
                    mailing=mailing, email=user.email, user=user, language="de", outbound=mail
                )
                for (mailing, user), mail in zip(
                    ((mailing, user) for mailing in mailings for user in recipients),
                    outbound,
                    strict=True,
                )
            ],
            batch_size=2000,
        )
        made["mailings"] = len(mailings)
        made["outbound_emails"] = len(outbound)

        topics = [
            LibraryTopic.objects.get_or_create(name=name)[0]
            for name in ("Ehrenamtskarte", "Engagementstrategie", "Freiwilligenagenturen")
        ]
        publications = Publication.objects.bulk_create(
            [
                Publication(
                    title=f"Arbeitshilfe Engagementförderung {index + 1}",
                    summary="Wie Kommunen Freiwillige gewinnen, begleiten und anerkennen. " * 3,
                    kind=rng.choice(list(Publication.Kind)),
                    year=rng.randint(2015, 2026),
                    link="https://www.example.org/arbeitshilfe",
                    visibility=rng.choice(list(Publication.Visibility)),
                    event=rng.choice(events) if events and index % 4 == 0 else None,
                )
                for index in range(volume.publications)
            ]
        )
        Publication.topics.through.objects.bulk_create(
            [
                Publication.topics.through(publication=publication, librarytopic=topic)
                for publication in publications
                for topic in rng.sample(topics, 2)
            ]
        )
        # bulk_create sends no signals: the stored search documents are made here.
        refresh_search_documents(Publication.objects.filter(pk__in=[p.pk for p in publications]))
        made["publications"] = len(publications)

        surveys = Survey.objects.bulk_create(
            [
                Survey(
                    title=f"Befragung {index + 1}",
                    introduction="Ihre Erfahrungen helfen dem Netzwerk.",
                    audience=[{"segment": "members.contacts"}],
                    opens_at=now - datetime.timedelta(days=3),
                    closes_at=now + datetime.timedelta(days=11 + index),
                )
                for index in range(volume.surveys)
            ]
        )
        questions = SurveyQuestion.objects.bulk_create(
            [
                SurveyQuestion(
                    survey=survey,
                    position=1,
                    text="Wie zufrieden sind Sie mit dem Netzwerk?",
                    kind=SurveyQuestion.Kind.SCALE,
                )
                for survey in surveys
            ]
        )
        responses = SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    survey=survey,
                    respondent_key=f"organisation:{organisation.pk}",
                    organisation=organisation,
                    user=contact_of[organisation.pk],
                    status=SurveyResponse.Status.SUBMITTED,
                    submitted_at=now,
                )
                for survey in surveys
                for organisation in members[: len(members) // 2]
            ]
        )
        question_of = {question.survey_id: question for question in questions}
        SurveyAnswer.objects.bulk_create(
            [
                SurveyAnswer(
                    response=response,
                    question=question_of[response.survey_id],
                    value=rng.randint(1, 5),
                )
                for response in responses
            ]
        )
        made["surveys"] = len(surveys)
        made["survey_responses"] = len(responses)
    return made


def main() -> None:
    import os
    import sys
    from pathlib import Path

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=1, help="multiply the default volume")
    parser.add_argument(
        "--scale", choices=["default", "full"], default="default", help="full: the whole network"
    )
    parser.add_argument("--force", action="store_true", help="also with DEBUG off")
    args = parser.parse_args()
    django.setup()
    from django.conf import settings

    if not settings.DEBUG and not args.force:
        raise SystemExit("Refusing to add benchmark data with DEBUG off; pass --force.")
    volume = FULL if args.scale == "full" else Volume().times(args.factor)
    made = grow(volume)
    print(", ".join(f"{count} {kind}" for kind, count in made.items()))


if __name__ == "__main__":
    main()
