"""What the tests of the Gemeinsame Erklärung in Django admin share: a sample of versions,
members and signatures, and the forms of the partners."""

from __future__ import annotations

import pytest

from declarations.models import DeclarationVersion
from members.models import Affiliation
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory

SIGNATURES = "/admin/declarations/signature/"
MISSING = f"{SIGNATURES}missing/"


@pytest.fixture
def sample():
    """The shipped version "2026": published, current, with five partners."""
    return DeclarationVersion.objects.get(label="2026")


@pytest.fixture
def fake_combine(monkeypatch):
    """Stands in for declarations.pdf.combine and remembers which signatures it got."""
    calls = []

    def combine(signatures):
        calls.append(sorted(s.pk for s in signatures))
        return b"%PDF-1.7 combined"

    monkeypatch.setattr("declarations.pdf.combine", combine, raising=False)
    return calls


def member(**fields):
    """A current member of the network, with a contact person and a head of administration."""
    organisation = OrganisationFactory(**fields)
    MembershipFactory(organisation=organisation)
    AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT)
    AffiliationFactory(organisation=organisation, role=Affiliation.Role.HEAD)
    return organisation


def emails_of(organisation, role):
    return [a.user.email for a in organisation.affiliations.filter(role=role)]


def response_template(response):
    return response.templates[0].name
