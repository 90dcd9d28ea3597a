"""The members' part of the demo data: accounts, municipalities, members, an application.

Idempotent: running it again changes nothing but resets the demo passwords.
"""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.core.management import CommandError
from django.utils import timezone

from members.applications.models import Application, ApplicationTransition, Membership
from members.directory.models import PracticeExample, Profile
from members.people.models import Affiliation, Organisation
from members.reference.models import Authority
from portal.demo import DEMO_PASSWORD, register_demo
from portal.models import User

# (e-mail, full name, staff?, AGS of the municipality, role, office)
DEMO_PEOPLE = [
    ("team@kommunen-netzwerk.example", "Nora Netzwerk", True, None, None, ""),
    (
        "engagement@muenster.example",
        "Emma Engagement",
        False,
        "05515000",
        Affiliation.Role.CONTACT,
        "Koordinierungsstelle Bürgerschaftliches Engagement",
    ),
    (
        "buergermeisterin@muenster.example",
        "Dr. Berta Bürgermeisterin",
        False,
        "05515000",
        Affiliation.Role.HEAD,
        "Oberbürgermeisterin",
    ),
    (
        "kollege@muenster.example",
        "Karl Kollege",
        False,
        "05515000",
        Affiliation.Role.COLLEAGUE,
        "Freiwilligenagentur",
    ),
    (
        "engagement@kreis-guetersloh.example",
        "Gül Gütersloh",
        False,
        "05754000",
        Affiliation.Role.CONTACT,
        "Ehrenamtsbüro des Kreises",
    ),
]


# Further demo members so that the directory and the map have something to show.
DEMO_MEMBERS = [
    ("05515000", datetime.date(2014, 3, 1)),  # Münster, with people and a profile
    ("05711000", datetime.date(2014, 3, 1)),  # Bielefeld
    ("05913000", datetime.date(2015, 6, 1)),  # Dortmund
    ("05758000", datetime.date(2016, 9, 1)),  # Kreis Herford
    ("05962024", datetime.date(2017, 5, 1)),  # Iserlohn
    ("05900000", datetime.date(2017, 5, 1)),  # Regierungsbezirk Arnsberg
    ("05334002", datetime.date(2019, 11, 1)),  # Aachen
    ("05162024", datetime.date(2021, 2, 1)),  # Neuss
]


@register_demo(order=10)
def load_members_demo() -> None:
    for email, name, staff, ags, role, office in DEMO_PEOPLE:
        user = _user(email, name, staff)
        if ags:
            Affiliation.objects.update_or_create(
                user=user,
                defaults={"organisation": _organisation(ags), "role": role, "office": office},
            )
    for ags, since in DEMO_MEMBERS:
        organisation = _organisation(ags)
        if not organisation.memberships.exists():
            Membership.objects.create(organisation=organisation, since=since)
    _muenster_profile()
    _guetersloh_application()


def _user(email: str, name: str, staff: bool) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name})
    user.full_name = name
    user.is_staff = user.is_superuser = staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _organisation(ags: str) -> Organisation:
    try:
        authority = Authority.objects.get(ags=ags)
    except Authority.DoesNotExist:
        raise CommandError(f"Authority {ags} is missing: run manage.py migrate first.") from None
    organisation, _ = Organisation.objects.get_or_create(authority=authority)
    return organisation


def _muenster_profile() -> None:
    organisation = Organisation.objects.get(authority__ags="05515000")
    profile, created = Profile.objects.get_or_create(
        organisation=organisation,
        defaults={
            "introduction": "Münster fördert Engagement seit vielen Jahren gemeinsam mit "
            "Vereinen, Initiativen und der Freiwilligenagentur.",
            "coordination_office": "Koordinierungsstelle Bürgerschaftliches Engagement "
            "im Amt für Bürger- und Ratsservice",
            "engagement_alliance": "Bündnis für Engagement Münster",
            "guidelines": "Leitlinien für Bürgerbeteiligung und Engagement (Ratsbeschluss)",
            "ehrenamtskarte": Profile.Ehrenamtskarte.PARTICIPATING,
        },
    )
    if created:
        PracticeExample.objects.create(
            profile=profile,
            title="Engagement-Lotsen in den Stadtteilen",
            text="Ehrenamtliche Lotsinnen und Lotsen beraten Neuzugezogene, wo sie sich "
            "in ihrem Stadtteil engagieren können.",
        )
    Affiliation.objects.filter(
        user__email="engagement@muenster.example", public_contact_since__isnull=True
    ).update(public_contact_since=datetime.datetime(2024, 1, 15, tzinfo=datetime.UTC))


def _guetersloh_application() -> None:
    organisation = Organisation.objects.get(authority__ags="05754000")
    if organisation.applications.exists():
        return
    applicant = User.objects.get(email="engagement@kreis-guetersloh.example")
    application = Application.objects.create(
        organisation=organisation,
        created_by=applicant,
        status=Application.Status.SUBMITTED,
        contact_name=applicant.full_name,
        contact_office="Ehrenamtsbüro des Kreises",
        contact_email=applicant.email,
        cross_cutting_task="Das Ehrenamtsbüro ist der Stabsstelle des Landrats zugeordnet "
        "und arbeitet mit allen Fachbereichen zusammen.",
        willing_to_sign=True,
        signatory_name="Dr. Heinrich Beispiel",
        signatory_office="Landrat",
        ehrenamtskarte_status=Application.EhrenamtskarteStatus.PLANNED,
        ehrenamtskarte_planned_for=datetime.date(2027, 1, 1),
        commits_to_participate=True,
        representative_name=applicant.full_name,
        representative_office="Ehrenamtsbüro des Kreises",
        submitted_at=timezone.now(),
    )
    for previous, status in (("", "draft"), ("draft", "submitted")):
        ApplicationTransition.objects.create(
            application=application, from_status=previous, to_status=status, actor=applicant
        )
