"""The members' pages of the Gemeinsame Erklärung: read, sign, see and download a signature."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from declarations import views
from declarations.models import DeclarationVersion, Signature
from declarations.services import supersede
from members.models import Affiliation, Application
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    DeclarationVersionFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
)
from tests.helpers import levels, texts

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.7 test"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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


def with_pdf(signature, content=b"%PDF-1.7 stored"):
    signature.pdf.save("stored.pdf", ContentFile(content), save=False)
    signature.pdf_rendered_at = timezone.now()
    signature.save(update_fields=["pdf", "pdf_rendered_at"])
    return signature


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


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


# --- The signature page -----------------------------------------------------------------------


def signature_url(signature, name="declarations:signature"):
    return reverse(name, args=[signature.pk])


@pytest.mark.parametrize("name", ["declarations:signature", "declarations:signature_pdf"])
def test_anonymous_visitors_are_sent_to_the_login_for_a_signature(client, signature_a, name):
    with_pdf(signature_a)
    response = client.get(signature_url(signature_a, name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["declarations:signature", "declarations:signature_pdf"])
@pytest.mark.parametrize("who", ["contact_b", "user_without_organisation"])
def test_a_signature_is_hidden_from_other_municipalities(request, client, signature_a, name, who):
    with_pdf(signature_a)
    client.force_login(request.getfixturevalue(who))
    assert client.get(signature_url(signature_a, name)).status_code == 404


@pytest.mark.parametrize("name", ["declarations:signature", "declarations:signature_pdf"])
@pytest.mark.parametrize("who", ["contact_a", "head_a", "colleague_a", "staff_user"])
def test_the_municipalitys_people_and_staff_see_the_signature(
    request, client, signature_a, name, who
):
    with_pdf(signature_a)
    client.force_login(request.getfixturevalue(who))
    assert client.get(signature_url(signature_a, name)).status_code == 200


def test_an_unknown_signature_is_not_found(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("declarations:signature", args=[999999])).status_code == 404


def test_the_signature_page_shows_what_was_signed_and_the_code(client, signature_a, colleague_a):
    client.force_login(colleague_a)
    html = client.get(signature_url(signature_a)).content.decode()
    assert "Dr. Berta Bürgermeisterin, Bürgermeisterin" in html
    assert "Musterstadt, 1. Juni 2026" in html
    assert signature_a.verification_code in html
    assert reverse("declarations:verify_code", args=[signature_a.verification_code]) in html
    assert reverse("declarations:version", args=["2026"]) in html
    assert "data-superseded" not in html


def test_while_the_pdf_is_prepared_the_page_polls_beside_a_reload_link(client, signature_a):
    client.force_login(signature_a.submitted_by)
    url = signature_url(signature_a)
    html = client.get(url).content.decode()
    assert 'data-pdf="preparing"' in html
    assert f'hx-get="{url}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert f'<a class="kern-link" href="{url}">' in html
    assert signature_url(signature_a, "declarations:signature_pdf") not in html


def test_the_poll_changes_nothing_until_the_pdf_is_ready(client, signature_a):
    client.force_login(signature_a.submitted_by)
    url = signature_url(signature_a)
    waiting = client.get(url, headers={"HX-Request": "true"})
    assert waiting.status_code == 204
    assert "HX-Request" in waiting["Vary"]
    with_pdf(signature_a)
    ready = client.get(url, headers={"HX-Request": "true"})
    assert ready.status_code == 200
    html = ready.content.decode()
    assert "<html" not in html
    assert 'id="pdf-status"' in html
    assert 'data-pdf="ready"' in html
    assert "hx-trigger" not in html
    assert signature_url(signature_a, "declarations:signature_pdf") in html


def test_the_page_stops_polling_when_the_pdf_takes_long(client, signature_a):
    Signature.objects.filter(pk=signature_a.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(signature_a.submitted_by)
    html = client.get(signature_url(signature_a)).content.decode()
    assert 'data-pdf="delayed"' in html
    assert "hx-trigger" not in html
    partial = client.get(signature_url(signature_a), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'data-pdf="delayed"' in partial.content.decode()


def test_a_superseded_signature_says_so_and_offers_to_sign_again(
    client, signature_a, contact_a, colleague_a, staff_user
):
    supersede(signature_a, staff_user, "Falsches Datum")
    client.force_login(contact_a)
    html = client.get(signature_url(signature_a)).content.decode()
    assert "data-superseded" in html
    assert "Falsches Datum" in html
    assert f'href="{SIGN_URL}"' in html
    client.force_login(colleague_a)
    assert f'href="{SIGN_URL}"' not in client.get(signature_url(signature_a)).content.decode()


# --- The PDF ----------------------------------------------------------------------------------


def test_the_pdf_is_not_found_before_it_is_ready(client, signature_a, contact_a, fake_render):
    client.force_login(contact_a)
    assert client.get(signature_url(signature_a, "declarations:signature_pdf")).status_code == 404
    assert fake_render == []


def test_the_stored_pdf_is_served_not_rendered_again(client, signature_a, contact_a, monkeypatch):
    with_pdf(signature_a, b"%PDF-1.7 the stored one")
    monkeypatch.setattr("declarations.pdf.render_signature", pytest.fail)
    client.force_login(contact_a)
    response = client.get(signature_url(signature_a, "declarations:signature_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = views._file_name_part(signature_a.organisation.authority.name)
    assert response["Content-Disposition"] == (
        f'attachment; filename="Gemeinsame-Erklaerung-2026-{name}.pdf"'
    )
    assert response.content == b"%PDF-1.7 the stored one"


def test_a_second_download_is_private_and_only_for_the_same_person(
    client, signature_a, contact_a, contact_b
):
    with_pdf(signature_a, b"%PDF-1.7 the stored one")
    url = signature_url(signature_a, "declarations:signature_pdf")
    client.force_login(contact_a)
    assert client.get(url).status_code == 200
    again = client.get(url)
    assert again.content == b"%PDF-1.7 the stored one"
    assert again["Content-Disposition"].startswith('attachment; filename="Gemeinsame-Erklaerung-')
    assert "private" in again["Cache-Control"]

    client.force_login(contact_b)
    assert client.get(url).status_code == 404


def test_a_missing_file_gives_404_not_an_error(client, signature_a, contact_a):
    with_pdf(signature_a)
    signature_a.pdf.storage.delete(signature_a.pdf.name)
    client.force_login(contact_a)
    assert client.get(signature_url(signature_a, "declarations:signature_pdf")).status_code == 404


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Mülheim an der Ruhr", "Muelheim-an-der-Ruhr"),
        ("Gütersloh", "Guetersloh"),
        ("Bad Oeynhausen", "Bad-Oeynhausen"),
        ("Straße/Weg", "Strasse-Weg"),
        ("Städteregion Aachen", "Staedteregion-Aachen"),
    ],
)
def test_file_names_are_plain_ascii(name, part):
    assert views._file_name_part(name) == part


# --- The dashboard ----------------------------------------------------------------------------


def panel(client):
    html = client.get(reverse("dashboard")).content.decode()
    if "data-declaration=" not in html:
        return None, html
    return html.split('data-declaration="')[1].split('"')[0], html


@pytest.mark.parametrize("who", ["user_without_organisation", "staff_user", "contact_a"])
def test_the_panel_is_not_shown_to_people_who_cannot_sign_yet(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert panel(client)[0] is None


def test_the_panel_asks_a_new_member_to_sign(client, member_a, head_a):
    client.force_login(head_a)
    state, html = panel(client)
    assert state == "may_sign"
    assert f'href="{SIGN_URL}"' in html
    assert "2026" in html


def test_the_panel_asks_to_sign_a_new_version(client, member_a, contact_a):
    old = DeclarationVersionFactory(label="2019", published_on=datetime.date(2019, 9, 1))
    SignatureFactory(organisation=member_a, version=old, submitted_by=contact_a)
    client.force_login(contact_a)
    state, html = panel(client)
    assert state == "may_sign"
    assert f'href="{SIGN_URL}"' in html
    assert "new version" in html or "neue Fassung" in html


def test_the_panel_shows_the_signature(client, signature_a, contact_a):
    client.force_login(contact_a)
    state, html = panel(client)
    assert state == "signed"
    assert signature_url(signature_a) in html
    assert "01.06.2026" in html


def test_the_panel_tells_a_colleague_who_signs(client, member_a, colleague_a):
    client.force_login(colleague_a)
    state, html = panel(client)
    assert state == "colleague"
    assert SIGN_URL not in html


def test_the_panel_shows_a_member_who_signed_nothing_and_is_approved_applicant(
    client, contact_b, organisation_b
):
    ApplicationFactory(organisation=organisation_b, status=Application.Status.APPROVED)
    client.force_login(contact_b)
    assert panel(client)[0] == "may_sign"


def test_a_signature_of_another_municipality_does_not_count(client, member_a, contact_a):
    SignatureFactory(organisation=OrganisationFactory())
    client.force_login(contact_a)
    assert panel(client)[0] == "may_sign"
