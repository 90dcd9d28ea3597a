"""The members' pages of the Gemeinsame Erklärung: the current version, earlier versions and
the blank form."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from declarations.models import DeclarationVersion
from declarations.services import supersede
from members.models import Application
from tests.factories import ApplicationFactory, DeclarationVersionFactory
from tests.support import declaration_views as support
from tests.support.declaration_views import SIGN_URL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/declaration_views.py that these tests ask for by name.
signature_a = support.signature_a
version = support.version


# --- The current version ----------------------------------------------------------------------


def test_the_current_version_is_public_with_its_text_and_documents(client, version):
    earlier = DeclarationVersionFactory(
        label="2019", published_on=datetime.date(2019, 9, 1), title="Die erste Erklärung"
    )
    draft = DeclarationVersionFactory(label="2030-entwurf")
    response = client.get(reverse("declarations:current"))
    assert response.status_code == 200
    html = response.content.decode()
    assert version.title in html
    assert 'data-version="2026"' in html
    assert "12. Mai 2026" in html
    assert "<h2>Präambel</h2>" in html
    assert reverse("declarations:blank_form", args=["2026"]) in html
    assert reverse("declarations:version", args=[earlier.label]) in html
    assert draft.label not in html
    assert response.context["standing"].state == "anonymous"
    assert f"{reverse('account_login')}?next=/erklaerung/" in html


def test_the_text_is_sanitised(client, version):
    DeclarationVersion.objects.filter(pk=version.pk).update(
        body="Hallo <script>alert(1)</script> [Link](javascript:alert(2))"
    )
    html = client.get(reverse("declarations:current")).content.decode()
    assert "<script>alert(1)" not in html
    assert "javascript:alert" not in html


def test_without_a_current_version_the_page_is_not_found(client, version):
    DeclarationVersion.objects.filter(pk=version.pk).update(is_current=False)
    assert client.get(reverse("declarations:current")).status_code == 404


@pytest.mark.parametrize(
    ("who", "state"),
    [
        ("user_without_organisation", "no_organisation"),
        ("staff_user", "no_organisation"),
        ("contact_a", "not_member"),
        ("contact_b", "not_member"),
    ],
)
def test_people_who_cannot_sign_are_told_why(request, client, who, state):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("declarations:current"))
    assert response.context["standing"].state == state
    assert f'data-standing="{state}"' in response.content.decode()
    assert SIGN_URL not in response.content.decode()


@pytest.mark.parametrize("who", ["contact_a", "head_a"])
def test_the_contact_and_the_head_of_a_member_are_asked_to_sign(request, client, member_a, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("declarations:current"))
    assert response.context["standing"].state == "may_sign"
    assert f'href="{SIGN_URL}"' in response.content.decode()


def test_a_colleague_learns_that_the_contact_or_head_signs(client, member_a, colleague_a):
    client.force_login(colleague_a)
    response = client.get(reverse("declarations:current"))
    assert response.context["standing"].state == "colleague"
    assert SIGN_URL not in response.content.decode()


def test_an_approved_applicant_is_asked_to_sign(client, organisation_a, contact_a):
    ApplicationFactory(organisation=organisation_a, status=Application.Status.APPROVED)
    client.force_login(contact_a)
    assert client.get(reverse("declarations:current")).context["standing"].state == "may_sign"


def test_a_municipality_that_signed_sees_its_signature(client, signature_a, colleague_a):
    client.force_login(colleague_a)
    response = client.get(reverse("declarations:current"))
    assert response.context["standing"].state == "signed"
    assert reverse("declarations:signature", args=[signature_a.pk]) in response.content.decode()


def test_a_superseded_signature_does_not_count(client, signature_a, contact_a, staff_user):
    supersede(signature_a, staff_user, "Falsches Datum")
    client.force_login(contact_a)
    assert client.get(reverse("declarations:current")).context["standing"].state == "may_sign"


def test_the_current_page_needs_few_queries(
    client, contact_a, signature_a, django_assert_max_num_queries
):
    DeclarationVersionFactory(label="2019", published_on=datetime.date(2019, 9, 1))
    with django_assert_max_num_queries(2):
        client.get(reverse("declarations:current"))
    client.force_login(contact_a)
    with django_assert_max_num_queries(6):
        client.get(reverse("declarations:current"))


# --- Versions and the blank form --------------------------------------------------------------


def test_an_earlier_version_is_public_and_points_to_the_current_one(
    client, django_assert_max_num_queries
):
    earlier = DeclarationVersionFactory(
        label="2019", published_on=datetime.date(2019, 9, 1), body="Alter **Text**"
    )
    with django_assert_max_num_queries(2):
        response = client.get(reverse("declarations:version", args=["2019"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert earlier.title in html
    assert "<strong>Text</strong>" in html
    assert 'data-current="no"' in html
    assert 'href="/erklaerung/"' in html
    assert reverse("declarations:blank_form", args=["2019"]) in html


def test_the_current_version_has_its_own_page_too(client, version):
    response = client.get(reverse("declarations:version", args=[version.label]))
    assert response.status_code == 200
    assert 'data-current="yes"' in response.content.decode()


@pytest.mark.parametrize("name", ["declarations:version", "declarations:blank_form"])
def test_drafts_and_unknown_versions_are_not_found(client, monkeypatch, name):
    monkeypatch.setattr("declarations.pdf.blank_form_for", pytest.fail)
    DeclarationVersionFactory(label="2030-entwurf")
    assert client.get(reverse(name, args=["2030-entwurf"])).status_code == 404
    assert client.get(reverse(name, args=["1999"])).status_code == 404


def test_the_blank_form_is_the_stored_form_of_the_version(client, version, monkeypatch):
    asked = []

    def blank_form_for(requested):
        asked.append(requested.label)
        return ContentFile(b"%PDF-1.7 blank", name="form.pdf")

    monkeypatch.setattr("declarations.pdf.blank_form_for", blank_form_for)
    response = client.get(reverse("declarations:blank_form", args=["2026"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="Gemeinsame-Erklaerung-2026-Formular.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7 blank"
    assert asked == ["2026"]


def test_the_blank_form_is_a_real_pdf(client, version):
    response = client.get(reverse("declarations:blank_form", args=["2026"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
