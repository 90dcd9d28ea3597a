"""What the tests of the members' pages of the Gemeinsame Erklärung share: a version, a
signature, the form's data and a PDF that is made without rendering."""

from __future__ import annotations

import pytest
from django.utils import timezone

from declarations.models import DeclarationVersion
from tests.factories import SignatureFactory

FAKE_PDF = b"%PDF-1.7 test"


@pytest.fixture
def version():
    return DeclarationVersion.objects.get(is_current=True)


@pytest.fixture
def fake_render(monkeypatch):
    """The signed PDF without WeasyPrint; records each rendering."""
    calls = []

    def render(signature):
        calls.append(signature.pk)
        return FAKE_PDF

    monkeypatch.setattr("declarations.pdf.render_signature", render)
    return calls


@pytest.fixture
def signature_a(member_a, contact_a, version):
    return SignatureFactory(organisation=member_a, version=version, submitted_by=contact_a)


def form_data(**overrides):
    data = {
        "signatory_name": "Dr. Berta Beispiel",
        "signatory_office": "Bürgermeisterin",
        "place": "Musterstadt",
        "signed_on": timezone.localdate().isoformat(),
        "authorisation_confirmed": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


SIGN_URL = "/erklaerung/unterzeichnen/"
