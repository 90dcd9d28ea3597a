"""The application asks for evidence criterion by criterion: an answer and documents for each,
the signatory and the representative /mitmachen/ promises; the open question stands at the top
with one form to answer and attach a document."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from members.applications import services
from members.applications.evidence import MAX_PER_CRITERION
from members.models import Application, ApplicationAttachment
from tests.factories import ApplicationFactory
from tests.helpers import client_for
from tests.test_application_views import form_data, pdf_bytes, url

pytestmark = pytest.mark.django_db
Status = Application.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def application(contact_a, organisation_a):
    return ApplicationFactory(organisation=organisation_a, created_by=contact_a)


@pytest.fixture
def queried(application, contact_a, staff_user):
    services.applicant_step(application, contact_a, Status.SUBMITTED)
    services.staff_step(application, staff_user, Status.QUERY, "Gibt es einen Ratsbeschluss?")
    return application


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "#2044aa").save(out, format="PNG")
    return out.getvalue()


def save_with(client, application, **files):
    data = form_data(application)
    for field, (name, content) in files.items():
        data[field] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url("application_edit", application), data)


# --- The form ---------------------------------------------------------------------------------


def test_the_fields_needed_to_submit_are_not_marked_optional(client, application, contact_a):
    client.force_login(contact_a)
    page = client.get(url("application_edit", application)).text
    # Only the five document fields are optional.
    assert page.count('class="kern-label__optional"') == 5
    for name in ("contact_name", "cross_cutting_task", "signatory_name", "representative_name"):
        assert re.search(f'<(input|textarea)[^>]*name="{name}"[^>]*required', page), name


def test_the_form_asks_who_signs_and_who_represents_the_municipality(
    client, application, contact_a
):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application),
        form_data(
            application,
            signatory_name="Dr. Berta Beispiel",
            signatory_office="Bürgermeisterin",
            representative_name="Ralf Vertreter",
            representative_office="Ehrenamtsbüro",
        ),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.signatory_name == "Dr. Berta Beispiel"
    assert application.representative_office == "Ehrenamtsbüro"


def test_submitting_without_signatory_representative_and_year_names_each_gap(
    client, application, contact_a
):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application),
        form_data(
            application,
            action="submit",
            signatory_name="",
            representative_name="",
            ehrenamtskarte_since="",
        ),
    )
    assert response.status_code == 200
    for name in ("signatory_name", "representative_name", "ehrenamtskarte_since"):
        assert f'id="id_{name}_error"' in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert application.signatory_name == ""


@pytest.mark.parametrize("year", ["abc", "1850", "99999", "2015\x00"])
def test_a_bad_year_is_refused_next_to_the_field_and_the_rest_kept(
    client, application, contact_a, year
):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application),
        form_data(application, ehrenamtskarte_since=year, signatory_name="Neu Name"),
    )
    assert response.status_code == 200
    assert 'id="id_ehrenamtskarte_since_error"' in response.text
    assert 'value="Neu Name"' in response.text


# --- Documents per criterion ------------------------------------------------------------------


def test_each_criterion_keeps_its_own_documents(client, application, contact_a):
    client.force_login(contact_a)
    response = save_with(
        client,
        application,
        file_2=("ratsbeschluss.pdf", pdf_bytes()),
        file_4=("ehrenamtskarte.xlsx", xlsx_bytes()),
    )
    assert response.status_code == 302
    stored = {a.criterion: a for a in ApplicationAttachment.objects.all()}
    assert set(stored) == {"2", "4"}
    assert stored["4"].content_type == XLSX
    detail = client.get(url("application_detail", application)).text
    second = detail[detail.index('id="criterion-2"') : detail.index('id="criterion-3"')]
    fourth = detail[detail.index('id="criterion-4"') : detail.index('id="criterion-5"')]
    assert "ratsbeschluss.pdf" in second
    assert "ehrenamtskarte.xlsx" not in second
    assert "ehrenamtskarte.xlsx" in fourth


def test_a_document_is_downloaded_as_what_it_really_is(client, application, contact_a):
    client.force_login(contact_a)
    save_with(client, application, file_4=("karte.xlsx", xlsx_bytes()))
    attachment = ApplicationAttachment.objects.get()
    response = client.get(url("attachment_download", application, attachment.pk))
    assert response["Content-Type"] == XLSX
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("programm.pdf", b"MZ\x90\x00 ein Programm"),
        ("archiv.docx", b"PK\x03\x04 kein Office-Paket"),
        ("bild.png", b"\x89PNG\r\n\x1a\n kaputt"),
        ("leer.pdf", b""),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_the_answers_kept(
    client, application, contact_a, name, content
):
    client.force_login(contact_a)
    data = form_data(application, cross_cutting_task="Neuer Text zur Querschnittsaufgabe.")
    data["file_2"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(url("application_edit", application), data)
    assert response.status_code == 200
    assert 'id="id_file_2_error"' in response.text
    assert "Neuer Text zur Querschnittsaufgabe." in response.text
    assert not ApplicationAttachment.objects.exists()


def test_an_image_is_accepted_and_named_for_what_it_is(client, application, contact_a):
    client.force_login(contact_a)
    response = save_with(client, application, file_1=("organigramm.pdf", png_bytes()))
    assert response.status_code == 302
    attachment = ApplicationAttachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "organigramm.png"


def test_a_criterion_takes_at_most_five_documents(client, application, contact_a):
    client.force_login(contact_a)
    for number in range(MAX_PER_CRITERION):
        save_with(client, application, file_3=(f"d{number}.pdf", pdf_bytes()))
    response = save_with(client, application, file_3=("zu-viel.pdf", pdf_bytes()))
    assert response.status_code == 200
    assert 'id="id_file_3_error"' in response.text
    assert ApplicationAttachment.objects.filter(criterion="3").count() == MAX_PER_CRITERION
    assert save_with(client, application, file_5=("anders.pdf", pdf_bytes())).status_code == 302


def test_documents_from_before_the_criteria_stay_visible_as_general(
    application, contact_a, staff_client
):
    ApplicationAttachment.objects.create(
        application=application,
        file=SimpleUploadedFile("alt.pdf", pdf_bytes()),
        original_name="alt.pdf",
        size=100,
    )
    client = client_for(contact_a)
    for page in ("application_detail", "application_edit"):
        text = client.get(url(page, application)).text
        assert 'id="criterion-general"' in text
        assert "alt.pdf" in text
    admin = staff_client.get(f"/admin/members/application/{application.pk}/change/").text
    assert "alt.pdf" in admin
    assert "general" in admin


def test_staff_see_each_document_with_its_criterion(application, contact_a, staff_client):
    save_with(client_for(contact_a), application, file_2=("ratsbeschluss.pdf", pdf_bytes()))
    admin = staff_client.get(f"/admin/members/application/{application.pk}/change/").text
    assert "2. Engagement promotion as a cross-cutting task" in admin
    assert "ratsbeschluss.pdf" in admin
    assert "name of the person who signs" in admin.lower()
    assert application.signatory_name in admin
    assert "name of the person who represents the municipality at meetings" in admin.lower()


def test_a_colleague_sees_the_documents_but_cannot_add_any(
    client, application, contact_a, colleague_a
):
    client.force_login(contact_a)
    save_with(client, application, file_2=("ratsbeschluss.pdf", pdf_bytes()))
    attachment = ApplicationAttachment.objects.get()
    client.force_login(colleague_a)
    assert "ratsbeschluss.pdf" in client.get(url("application_detail", application)).text
    assert client.get(url("attachment_download", application, attachment.pk)).status_code == 200
    assert save_with(client, application, file_2=("x.pdf", pdf_bytes())).status_code == 403
    delete = url("attachment_delete", application, attachment.pk)
    assert client.post(delete).status_code == 403


def test_another_municipality_and_anonymous_visitors_get_no_document(
    client, application, contact_a, contact_b
):
    client.force_login(contact_a)
    save_with(client, application, file_2=("ratsbeschluss.pdf", pdf_bytes()))
    download = url("attachment_download", application, ApplicationAttachment.objects.get().pk)
    client.force_login(contact_b)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download)["Location"].startswith("/konto/login/")


# --- The open question ------------------------------------------------------------------------


def test_the_open_question_stands_at_the_top_with_the_answer_form(client, queried, contact_a):
    client.force_login(contact_a)
    page = client.get(url("application_detail", queried)).text
    question = page.index("Gibt es einen Ratsbeschluss?")
    assert question < page.index('id="evidence-heading"')
    assert 'id="answer-form"' in page
    assert 'enctype="multipart/form-data"' in page
    assert page.index('id="answer-form"') < page.index('id="evidence-heading"')


def test_the_answer_comes_with_a_document(client, queried, contact_a):
    client.force_login(contact_a)
    response = client.post(
        url("application_answer", queried),
        {
            "answer": "Ja, vom 3. März.",
            "file": SimpleUploadedFile("beschluss.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response["Location"] == url("application_detail", queried)
    queried.refresh_from_db()
    assert queried.status == Status.IN_REVIEW
    assert queried.transitions.last().note == "Ja, vom 3. März."
    document = ApplicationAttachment.objects.get()
    assert document.criterion == ""
    assert document.original_name == "beschluss.pdf"


def test_a_bad_document_with_the_answer_sends_nothing_and_keeps_the_text(
    client, queried, contact_a
):
    client.force_login(contact_a)
    response = client.post(
        url("application_answer", queried),
        {"answer": "Meine Antwort", "file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")},
    )
    assert response.status_code == 200
    assert 'id="id_file_error"' in response.text
    assert "Meine Antwort" in response.text
    assert "Gibt es einen Ratsbeschluss?" in response.text
    queried.refresh_from_db()
    assert queried.status == Status.QUERY
    assert not ApplicationAttachment.objects.exists()


def test_a_colleague_and_staff_read_the_question_but_get_no_answer_form(
    client, queried, colleague_a, staff_user
):
    for person in (colleague_a, staff_user):
        client.force_login(person)
        page = client.get(url("application_detail", queried)).text
        assert "Gibt es einen Ratsbeschluss?" in page
        assert 'id="answer-form"' not in page
    client.force_login(colleague_a)
    response = client.post(url("application_answer", queried), {"answer": "Ich"})
    assert response.status_code == 403


def test_another_municipality_cannot_answer(client, queried, contact_b):
    client.force_login(contact_b)
    assert client.post(url("application_answer", queried), {"answer": "x"}).status_code == 404
