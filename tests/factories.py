from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory

from declarations.models import DeclarationVersion, Signature
from meetings.models import Event, LibraryTopic, ProgrammeItem, Publication, Session, TimeSlot
from members.models import (
    Affiliation,
    Application,
    Authority,
    Membership,
    Organisation,
    Survey,
    SurveyQuestion,
)
from portal.models import User

PASSWORD = "Sicheres-Passwort-42"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@kommune.example")
    full_name = factory.Faker("name", locale="de_DE")
    language = "de"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


def free_authority() -> Authority:
    """A town or municipality of the register that has no organisation yet in this test."""
    free = Authority.objects.filter(kind__in=["Stadt", "Gemeinde"], organisation__isnull=True)
    authority = free.order_by("ags").first()
    assert authority is not None, "every town of the register already has an organisation"
    return authority


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    authority = factory.LazyFunction(free_authority)


class AffiliationFactory(DjangoModelFactory[Affiliation]):
    class Meta:
        model = Affiliation

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Affiliation.Role.CONTACT


class ApplicationFactory(DjangoModelFactory[Application]):
    """A draft that meets all five criteria, ready to be submitted."""

    class Meta:
        model = Application

    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    contact_name = "Erika Engagiert"
    contact_office = "Koordinierungsstelle Ehrenamt"
    contact_email = "erika@kommune.example"
    cross_cutting_task = (
        "Die Engagementförderung ist als Querschnittsaufgabe beim Bürgermeisterbüro angesiedelt "
        "und wird in allen Fachbereichen mitgedacht."
    )
    willing_to_sign = True
    signatory_name = "Dr. Berta Bürgermeisterin"
    signatory_office = "Bürgermeisterin"
    ehrenamtskarte_status = Application.EhrenamtskarteStatus.PARTICIPATING
    ehrenamtskarte_since = 2015
    commits_to_participate = True
    representative_name = "Erika Engagiert"
    representative_office = "Koordinierungsstelle Ehrenamt"


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    since = datetime.date(2024, 5, 1)


class DeclarationVersionFactory(DjangoModelFactory[DeclarationVersion]):
    """A draft version; publish it with declarations.services.publish or set the fields."""

    class Meta:
        model = DeclarationVersion

    title = "Zukunftsfaktor Bürgerengagement – Gemeinsam und vernetzt handeln"
    label = factory.Sequence(lambda n: f"2027-{n}")
    body = "## Präambel\n\nEngagement verbindet.\n\n1. Erstens\n2. Zweitens\n"


class SignatureFactory(DjangoModelFactory[Signature]):
    """A valid signature of the current version (the shipped sample, unless given)."""

    class Meta:
        model = Signature

    version = factory.LazyFunction(lambda: DeclarationVersion.objects.get(is_current=True))
    organisation = factory.SubFactory(OrganisationFactory)
    signatory_name = "Dr. Berta Bürgermeisterin"
    signatory_office = "Bürgermeisterin"
    place = "Musterstadt"
    signed_on = datetime.date(2026, 6, 1)
    authorisation_confirmed = True
    submitted_by = factory.SubFactory(UserFactory)


class EventFactory(DjangoModelFactory[Event]):
    """A published Netzwerktreffen next month, open for registration now."""

    class Meta:
        model = Event

    kind = Event.Kind.NETWORK_MEETING
    title = factory.Sequence(lambda n: f"Netzwerktreffen {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + datetime.timedelta(hours=5))
    format = Event.Format.IN_PERSON
    venue = "Stadthalle"
    audience = Event.Audience.MEMBERS_STAFF
    capacity = 10
    status = Event.Status.PUBLISHED


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


class SurveyFactory(DjangoModelFactory[Survey]):
    """A per-municipality survey of all contact persons, open since yesterday for a week."""

    class Meta:
        model = Survey

    title = factory.Sequence(lambda n: f"Umfrage Ehrenamtskarte {n}")
    introduction = "Bitte beantworten Sie einige Fragen zur Engagementförderung."
    audience = factory.LazyFunction(lambda: [{"segment": "members.contacts"}])
    respondent = Survey.Respondent.ORGANISATION
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class SurveyQuestionFactory(DjangoModelFactory[SurveyQuestion]):
    """A required free-text question; give `kind` and `options` for a choice."""

    class Meta:
        model = SurveyQuestion

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Frage {n}")
    kind = SurveyQuestion.Kind.TEXT
    required = True


class TopicFactory(DjangoModelFactory[LibraryTopic]):
    class Meta:
        model = LibraryTopic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Thema {n}")


class PublicationFactory(DjangoModelFactory[Publication]):
    """A public, published method paper with a link and no file."""

    class Meta:
        model = Publication
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Arbeitshilfe Nummer {n}")
    summary = "Eine Arbeitshilfe für die kommunale Engagementförderung."
    kind = Publication.Kind.METHOD
    year = 2025
    link = "https://www.example.org/arbeitshilfe"
    visibility = Publication.Visibility.PUBLIC
    is_published = True

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)
