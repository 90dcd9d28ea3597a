"""What the tests of information e-mails in Django admin share: staff who may write or send,
heads of administration as the audience, and the mailing's form data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from members.models import Affiliation
from portal.models import Mailing
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory, UserFactory

MAILINGS = "/admin/portal/mailing/"
HEADS = {"segment": "members.heads"}


def url(mailing, tool=""):
    return f"{MAILINGS}{mailing.pk}/{tool + '/' if tool else 'change/'}"


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def staff_with(*codenames):
    """Staff with only the given permissions of the portal app, reading admin in English."""
    user = UserFactory(is_staff=True, language="en")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="portal", codename__in=codenames)
    )
    return user


WRITER = ("view_mailing", "add_mailing", "change_mailing")
SENDER = (*WRITER, "send_mailing")


@pytest.fixture
def sender_client(client):
    client.force_login(staff_with(*SENDER))
    return client


@pytest.fixture
def heads():
    """Two member municipalities with a head of administration each, and a contact."""
    people = []
    for name in ("Berta Bürgermeisterin", "Lars Landrat"):
        organisation = OrganisationFactory()
        MembershipFactory(organisation=organisation)
        people.append(
            AffiliationFactory(
                organisation=organisation, role=Affiliation.Role.HEAD, user__full_name=name
            ).user
        )
        AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT)
    return people


def mailing_to(include, **fields):
    return Mailing.objects.create(
        subject=fields.pop("subject", "Neuigkeiten aus dem Netzwerk"),
        body=fields.pop("body", "Liebe Engagierte,\n\n**wichtig**: das Treffen im Mai."),
        include=include,
        **fields,
    )
