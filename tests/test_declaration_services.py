from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from declarations import services
from declarations.models import DeclarationVersion, Signature
from declarations.services import SignatureData
from declarations.text import render_body
from members.models import Application
from portal.models import OutboundEmail
from tests.factories import ApplicationFactory, DeclarationVersionFactory, SignatureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return DeclarationVersion.objects.get(is_current=True)


def data(**overrides) -> SignatureData:
    values = {
        "signatory_name": "Dr. Berta Bürgermeisterin",
        "signatory_office": "Bürgermeisterin",
        "place": "Musterstadt",
        "signed_on": datetime.date(2026, 6, 1),
        "authorisation_confirmed": False,
        **overrides,
    }
    return SignatureData(**values)


def test_the_body_is_rendered_from_markdown_without_dangerous_markup():
    html = render_body(
        "## Ziele\n\n<script>alert(1)</script>\n\n[Link](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> **fett**'
    )
    assert "<h2>Ziele</h2>" in html
    assert "<strong>fett</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


def test_the_head_of_administration_signs_for_a_member(head_a, member_a, version):
    signature = services.sign(version, member_a, head_a, data())
    assert signature.is_valid
    assert signature.authorisation_confirmed is True
    assert len(signature.verification_code) == 14


def test_a_contact_must_confirm_the_authorisation(contact_a, member_a, version):
    with pytest.raises(services.DeclarationError, match="berechtigt"):
        services.sign(version, member_a, contact_a, data())
    signature = services.sign(version, member_a, contact_a, data(authorisation_confirmed=True))
    assert signature.submitted_by == contact_a


def test_a_colleague_cannot_sign(colleague_a, member_a, version):
    with pytest.raises(PermissionDenied):
        services.sign(version, member_a, colleague_a, data(authorisation_confirmed=True))


def test_someone_of_another_municipality_cannot_sign(contact_b, member_a, version):
    with pytest.raises(PermissionDenied):
        services.sign(version, member_a, contact_b, data(authorisation_confirmed=True))


def test_a_municipality_that_is_not_a_member_cannot_sign(head_a, organisation_a, version):
    with pytest.raises(services.DeclarationError, match="Mitglieder"):
        services.sign(version, organisation_a, head_a, data())


def test_an_approved_applicant_can_sign(head_a, organisation_a, version):
    ApplicationFactory(organisation=organisation_a, status=Application.Status.APPROVED)
    assert services.sign(version, organisation_a, head_a, data()).pk


def test_a_date_in_the_future_is_refused(head_a, member_a, version):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(services.DeclarationError, match="Zukunft"):
        services.sign(version, member_a, head_a, data(signed_on=tomorrow))


def test_a_municipality_signs_each_version_once(head_a, member_a, version):
    services.sign(version, member_a, head_a, data())
    with pytest.raises(services.DeclarationError, match="bereits"):
        services.sign(version, member_a, head_a, data())
    assert Signature.objects.filter(organisation=member_a).count() == 1


def test_after_superseding_the_municipality_can_sign_again(head_a, member_a, version, staff_user):
    first = services.sign(version, member_a, head_a, data(place="Falschstadt"))
    with pytest.raises(services.DeclarationError):
        services.supersede(first, staff_user, " ")
    services.supersede(first, staff_user, "Falscher Ort")
    first.refresh_from_db()
    assert (first.superseded_by, first.superseded_reason) == (staff_user, "Falscher Ort")
    second = services.sign(version, member_a, head_a, data())
    assert list(Signature.objects.valid().filter(organisation=member_a)) == [second]


def test_only_staff_supersede(head_a, member_a, version):
    signature = SignatureFactory(organisation=member_a, version=version)
    with pytest.raises(PermissionDenied):
        services.supersede(signature, head_a, "Grund")


def test_an_old_version_cannot_be_signed(head_a, member_a, staff_user, version):
    newer = DeclarationVersionFactory()
    services.publish(newer, staff_user)
    version.refresh_from_db()
    assert not version.is_current
    with pytest.raises(services.DeclarationError, match="aktuelle"):
        services.sign(version, member_a, head_a, data())


def test_publishing_makes_the_version_current_and_asks_members_to_sign(
    head_a, contact_a, member_a, contact_b, staff_user
):
    newer = DeclarationVersionFactory()
    services.publish(newer, staff_user)
    newer.refresh_from_db()
    assert newer.is_current
    assert newer.published_on == timezone.localdate()
    assert DeclarationVersion.objects.filter(is_current=True).count() == 1
    asked = set(
        OutboundEmail.objects.filter(kind="declarations/new_version").values_list("to", flat=True)
    )
    assert asked == {head_a.email, contact_a.email}, "contact_b's municipality is no member"
    with pytest.raises(services.DeclarationError):
        services.publish(newer, staff_user)


def test_only_staff_publish(head_a):
    with pytest.raises(PermissionDenied):
        services.publish(DeclarationVersionFactory(), head_a)


def test_a_published_version_cannot_be_changed(version):
    version.body = "Anderer Text"
    with pytest.raises(ValidationError):
        version.full_clean()
