"""What the tests of information e-mails in Django admin share: staff who may write or send,
heads of administration as the audience, and the mailing's form data."""

from __future__ import annotations

from functools import partial

import pytest

from members.models import Affiliation
from portal.models import Mailing
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory
from tests.support import staff

MAILINGS = "/admin/portal/mailing/"
HEADS = {"segment": "members.heads"}


def url(mailing, tool=""):
    return f"{MAILINGS}{mailing.pk}/{tool + '/' if tool else 'change/'}"


# Staff with only the given permissions of the portal app.
staff_with = partial(staff.staff_with, "portal")


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
