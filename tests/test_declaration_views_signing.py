"""The members' pages of the Gemeinsame Erklärung: who may sign, and signing."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from declarations import views
from declarations.models import Signature
from declarations.services import supersede
from members.models import Affiliation, Application
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    MembershipFactory,
    SignatureFactory,
)
from tests.helpers import levels, texts
from tests.support import declaration_views as support
from tests.support.declaration_views import FAKE_PDF, SIGN_URL, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


# Fixtures of tests/support/declaration_views.py that these tests ask for by name.
fake_render = support.fake_render
signature_a = support.signature_a
version = support.version


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- Who may sign -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_login_before_signing(client, method):
    response = getattr(client, method)(SIGN_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Signature.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "who", ["user_without_organisation", "staff_user", "colleague_a", "contact_b"]
)
def test_people_who_may_not_sign_are_refused_with_a_message(request, client, member_a, who, method):
    client.force_login(request.getfixturevalue(who))
    response = getattr(client, method)(SIGN_URL, form_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:current")
    assert levels(response) == ["error"]
    assert Signature.objects.count() == 0


@pytest.mark.parametrize(
    "status", [None, Application.Status.SUBMITTED, Application.Status.REJECTED]
)
def test_a_municipality_that_is_not_a_member_cannot_sign(client, organisation_a, contact_a, status):
    if status:
        ApplicationFactory(organisation=organisation_a, status=status)
    client.force_login(contact_a)
    response = client.post(SIGN_URL, form_data())
    assert response["Location"] == reverse("declarations:current")
    assert levels(response) == ["error"]
    assert Signature.objects.count() == 0


def test_a_former_member_cannot_sign(client, organisation_a, contact_a):
    MembershipFactory(organisation=organisation_a, until=datetime.date(2025, 12, 31))
    client.force_login(contact_a)
    assert levels(client.get(SIGN_URL)) == ["error"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_municipality_that_signed_is_sent_to_its_signature(client, signature_a, head_a, method):
    client.force_login(head_a)
    response = getattr(client, method)(SIGN_URL, form_data())
    assert response["Location"] == reverse("declarations:signature", args=[signature_a.pk])
    assert levels(response) == ["info"]
    assert Signature.objects.count() == 1


# --- Signing ----------------------------------------------------------------------------------


def test_the_form_for_the_head_is_filled_in_with_their_name_office_and_today(client, member_a):
    head = AffiliationFactory(
        organisation=member_a,
        role=Affiliation.Role.HEAD,
        office="Bürgermeisterin",
        user__full_name="Dr. Hanna Haupt",
    ).user
    client.force_login(head)
    response = client.get(SIGN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Dr. Hanna Haupt"' in html
    assert 'value="Bürgermeisterin"' in html
    assert f'value="{member_a.authority.name}"' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert 'type="date"' in html
    assert 'min="2026-05-12"' in html
    checkbox = html.split('name="authorisation_confirmed"')[1].split(">")[0]
    assert "checked" in checkbox


def test_the_form_for_a_contact_starts_without_name_and_confirmation(client, member_a, contact_a):
    client.force_login(contact_a)
    form = client.get(SIGN_URL).context["form"]
    assert form["signatory_name"].value() is None
    assert not form["authorisation_confirmed"].value()
    assert form.fields["authorisation_confirmed"].required


def test_the_head_signs_without_ticking_the_box(client, member_a, head_a, version):
    client.force_login(head_a)
    response = client.post(SIGN_URL, form_data(authorisation_confirmed=None))
    signature = Signature.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:signature", args=[signature.pk])
    assert levels(response) == ["success"]
    assert "e-mail" in texts(response)[0].lower() or "E-Mail" in texts(response)[0]
    assert signature.version == version
    assert signature.organisation == member_a
    assert signature.submitted_by == head_a
    assert signature.authorisation_confirmed
    assert signature.signatory_name == "Dr. Berta Beispiel"
    assert signature.signed_on == timezone.localdate()
    assert not signature.scan


def test_a_contact_signs_for_the_head_with_confirmation(client, member_a, contact_a):
    client.force_login(contact_a)
    response = client.post(SIGN_URL, form_data(signed_on="2026-05-12"))
    signature = Signature.objects.get()
    assert response["Location"] == reverse("declarations:signature", args=[signature.pk])
    assert signature.submitted_by == contact_a
    assert signature.authorisation_confirmed
    assert signature.signed_on == datetime.date(2026, 5, 12)


def test_an_approved_applicant_signs(client, organisation_a, contact_a):
    ApplicationFactory(organisation=organisation_a, status=Application.Status.APPROVED)
    client.force_login(contact_a)
    assert client.post(SIGN_URL, form_data()).status_code == 302
    assert Signature.objects.get().organisation == organisation_a


def test_a_contact_without_the_confirmation_is_refused_next_to_the_box(client, member_a, contact_a):
    client.force_login(contact_a)
    response = client.post(SIGN_URL, form_data(authorisation_confirmed=None))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["authorisation_confirmed"]
    html = response.content.decode()
    assert 'id="id_authorisation_confirmed_error"' in html
    assert 'value="Dr. Berta Beispiel"' in html
    assert Signature.objects.count() == 0


@pytest.mark.parametrize(
    "signed_on",
    [
        (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        "2026-05-11",  # the day before version 2026 was published
        "31.02.2026",
        "morgen",
    ],
)
def test_a_wrong_date_is_refused_next_to_the_field_and_values_kept(
    client, member_a, contact_a, signed_on
):
    client.force_login(contact_a)
    response = client.post(SIGN_URL, form_data(place="Bad Beispielheim", signed_on=signed_on))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["signed_on"]
    html = response.content.decode()
    assert 'id="id_signed_on_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Bad Beispielheim"' in html
    assert f'value="{signed_on}"' in html
    assert Signature.objects.count() == 0


def test_empty_fields_are_named_each_next_to_its_field(client, member_a, contact_a):
    client.force_login(contact_a)
    response = client.post(
        SIGN_URL,
        form_data(signatory_name="  ", signatory_office="", place="", signed_on=""),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"signatory_name", "signatory_office", "place", "signed_on"}
    html = response.content.decode()
    for name in errors:
        assert f'id="id_{name}_error"' in html
    assert Signature.objects.count() == 0


def test_a_german_date_is_understood_too(client, member_a, contact_a):
    client.force_login(contact_a)
    client.post(SIGN_URL, form_data(signed_on="01.06.2026"))
    assert Signature.objects.get().signed_on == datetime.date(2026, 6, 1)


def test_a_real_scan_is_stored_with_the_signature(client, member_a, contact_a):
    client.force_login(contact_a)
    scan = SimpleUploadedFile("Unterschrift.pdf", pdf_bytes(), "application/pdf")
    client.post(SIGN_URL, {**form_data(), "scan": scan})
    signature = Signature.objects.get()
    assert signature.scan.name.startswith("declarations/scans/")
    with signature.scan.open("rb") as stored:
        assert stored.read() == pdf_bytes()


def test_a_fake_scan_is_refused_and_the_values_kept(client, member_a, contact_a):
    client.force_login(contact_a)
    fake = SimpleUploadedFile("scan.pdf", b"<html>kein PDF</html>", "application/pdf")
    response = client.post(SIGN_URL, {**form_data(place="Beispielstadt"), "scan": fake})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["scan"]
    assert response.context["form"].errors.as_data()["scan"][0].code == "not_pdf"
    assert 'value="Beispielstadt"' in response.content.decode()
    assert Signature.objects.count() == 0


def test_signing_by_get_changes_nothing(client, member_a, contact_a):
    client.force_login(contact_a)
    client.get(SIGN_URL, form_data())
    assert Signature.objects.count() == 0


def test_a_signature_made_while_the_form_was_open_is_reported(
    client, member_a, contact_a, head_a, version, monkeypatch
):
    """Both passed the check before either saved; the constraint refuses the second."""
    client.force_login(contact_a)
    other = SignatureFactory(organisation=member_a, version=version, submitted_by=head_a)
    real_standing = views.standing
    monkeypatch.setattr(
        views, "standing", lambda user, v: views.Standing("may_sign", user.affiliation)
    )
    response = client.post(SIGN_URL, form_data())
    monkeypatch.setattr(views, "standing", real_standing)
    assert response.status_code == 302
    assert response["Location"] == reverse("declarations:signature", args=[other.pk])
    assert levels(response) == ["error"]
    assert Signature.objects.valid().count() == 1


def test_signing_again_after_a_superseded_signature(client, signature_a, contact_a, staff_user):
    supersede(signature_a, staff_user, "Falscher Name")
    client.force_login(contact_a)
    response = client.post(SIGN_URL, form_data())
    new = Signature.objects.valid().get()
    assert new != signature_a
    assert response["Location"] == reverse("declarations:signature", args=[new.pk])


def test_the_pdf_is_made_once_signing_is_committed(
    client, member_a, head_a, fake_render, django_capture_on_commit_callbacks
):
    client.force_login(head_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGN_URL, form_data())
    signature = Signature.objects.get()
    assert fake_render == [signature.pk]
    with signature.pdf.open("rb") as stored:
        assert stored.read() == FAKE_PDF
    page = client.get(reverse("declarations:signature", args=[signature.pk]))
    assert 'data-pdf="ready"' in page.content.decode()


def test_after_signing_a_ready_pdf_is_not_called_in_preparation(
    client, member_a, head_a, fake_render, django_capture_on_commit_callbacks
):
    client.force_login(head_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGN_URL, form_data())
    # As in the embedded set-up, the PDF is made before the page after signing is shown.
    html = client.get(response["Location"]).content.decode()
    assert 'data-pdf="ready"' in html
    assert "Die Erklärung wurde unterzeichnet" in html
    # Neither the message nor the section of the document says it is still being made.
    assert "erstellt" not in html.split("<main", 1)[1].split('id="details-heading"', 1)[0]


@pytest.mark.django_db(transaction=True)
def test_two_signatures_at_the_same_moment_give_one(member_a, contact_a, head_a, fake_render):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(user):
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post(SIGN_URL, form_data(signatory_name=user.get_full_name()))
            assert response.status_code == 302
            outcomes.append("signed" if levels(response) == ["success"] else "refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(user,)) for user in (contact_a, head_a)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "signed"]
    assert Signature.objects.filter(organisation=member_a).count() == 1
