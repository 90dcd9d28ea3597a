from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from members.applications import services
from members.models import Affiliation, Application, ApplicationAttachment
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Application.Status


@pytest.fixture
def application(contact_a, organisation_a):
    return ApplicationFactory(organisation=organisation_a, created_by=contact_a)


def url(name, application, *args):
    return reverse(f"members:{name}", args=[application.pk, *args])


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def form_data(application, **overrides):
    data = {
        "contact_name": application.contact_name,
        "contact_office": application.contact_office,
        "contact_email": application.contact_email,
        "cross_cutting_task": application.cross_cutting_task,
        "willing_to_sign": "on",
        "signatory_name": application.signatory_name,
        "signatory_office": application.signatory_office,
        "ehrenamtskarte_status": "participating",
        "ehrenamtskarte_since": "2015",
        "ehrenamtskarte_planned_for": "",
        "comparable_instrument": "",
        "commits_to_participate": "on",
        "representative_name": application.representative_name,
        "representative_office": application.representative_office,
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Who may see what -------------------------------------------------------------------------

PAGES = ["application_detail", "application_edit", "application_answer", "application_withdraw"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, application, page):
    response = client.get(url(page, application))
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


@pytest.mark.parametrize("page", PAGES)
def test_it_hides_the_application_from_another_municipality(client, application, contact_b, page):
    client.force_login(contact_b)
    assert client.get(url(page, application)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_it_hides_the_application_from_a_user_without_organisation(
    client, application, user_without_organisation, page
):
    client.force_login(user_without_organisation)
    assert client.get(url(page, application)).status_code == 404


def test_a_colleague_may_read_but_not_change_it(client, application, colleague_a):
    client.force_login(colleague_a)
    assert client.get(url("application_detail", application)).status_code == 200
    assert client.get(url("application_edit", application)).status_code == 403
    assert client.post(url("application_withdraw", application)).status_code == 403


def test_the_head_of_administration_may_change_it(client, application, head_a):
    client.force_login(head_a)
    assert client.get(url("application_edit", application)).status_code == 200


def test_staff_may_read_any_application(client, application, staff_user):
    client.force_login(staff_user)
    response = client.get(url("application_detail", application))
    assert response.status_code == 200
    assert application.organisation.authority.name in response.text


# --- Starting ---------------------------------------------------------------------------------


def test_the_search_finds_municipalities_by_name_and_key(client, user_without_organisation):
    client.force_login(user_without_organisation)
    by_name = client.get("/antrag/neu/", {"q": "Gütersl"})
    assert 'value="05754008"' in by_name.text
    by_key = client.get("/antrag/neu/", {"q": "05515"})
    assert 'value="05515000"' in by_key.text


def test_the_search_answers_htmx_with_the_results_only(client, user_without_organisation):
    client.force_login(user_without_organisation)
    response = client.get("/antrag/neu/", {"q": "Münster"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'value="05515000"' in response.text


def test_starting_creates_a_draft_and_carries_the_self_check_over(
    client, user_without_organisation
):
    client.force_login(user_without_organisation)
    session = client.session
    session["self_check"] = {
        "ehrenamtskarte": "planned",
        "declaration": "yes",
        "participation": "yes",
    }
    session.save()
    response = client.post("/antrag/neu/", {"authority": "05515000"})
    application = Application.objects.get()
    assert response["Location"] == url("application_edit", application)
    assert application.ehrenamtskarte_status == "planned"
    assert application.willing_to_sign is True
    assert Affiliation.objects.get(user=user_without_organisation).role == "contact"


def test_an_unknown_key_gets_a_message_next_to_the_choice(client, user_without_organisation):
    client.force_login(user_without_organisation)
    response = client.post("/antrag/neu/", {"authority": "09162000"})
    assert response.status_code == 200
    assert "kern-alert--danger" in response.text
    assert not Application.objects.exists()


def test_a_second_application_is_refused_with_a_message(client, application, contact_b):
    services.applicant_step(application, application.created_by, Status.SUBMITTED)
    stranger = UserFactory()
    client.force_login(stranger)
    response = client.post("/antrag/neu/", {"authority": application.organisation.authority.ags})
    assert response.status_code == 200
    assert application.created_by.email not in response.text
    assert 'id="invitation-request-form"' in response.text
    assert Application.objects.count() == 1


def test_someone_with_an_open_application_is_taken_to_it(client, application, contact_a):
    client.force_login(contact_a)
    response = client.get("/antrag/neu/")
    assert response["Location"] == url("application_detail", application)


# --- Filling in and submitting ----------------------------------------------------------------


def test_a_draft_is_saved_even_when_incomplete(client, application, contact_a):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application), form_data(application, willing_to_sign=None)
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.willing_to_sign is False
    assert application.status == Status.DRAFT


def test_submitting_an_incomplete_draft_names_each_gap_and_keeps_the_text(
    client, application, contact_a
):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application),
        form_data(
            application,
            action="submit",
            cross_cutting_task="<script>alert(1)</script>",
            ehrenamtskarte_status="planned",
        ),
    )
    assert response.status_code == 200
    assert response.text.count('class="kern-error"') >= 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)</script>" not in response.text
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert application.cross_cutting_task == "<script>alert(1)</script>"


def test_a_complete_draft_is_submitted(client, application, contact_a):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application), form_data(application, action="submit")
    )
    assert response["Location"] == url("application_detail", application)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_bad_email_address_is_refused_next_to_the_field(client, application, contact_a):
    client.force_login(contact_a)
    response = client.post(
        url("application_edit", application), form_data(application, contact_email="kein-at")
    )
    assert response.status_code == 200
    assert 'id="id_contact_email_error"' in response.text
    assert 'value="kein-at"' in response.text


def test_a_submitted_application_can_no_longer_be_edited(client, application, contact_a):
    services.applicant_step(application, contact_a, Status.SUBMITTED)
    client.force_login(contact_a)
    response = client.get(url("application_edit", application))
    assert response["Location"] == url("application_detail", application)


# --- Attachments ------------------------------------------------------------------------------


def upload(client, application, name, content, criterion="2"):
    data = form_data(application)
    data[f"file_{criterion}"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url("application_edit", application), data)


def test_a_real_pdf_is_attached_and_downloadable_by_the_municipality_only(
    client, application, contact_a, contact_b
):
    client.force_login(contact_a)
    assert upload(client, application, "beschluss.pdf", pdf_bytes()).status_code == 302
    attachment = ApplicationAttachment.objects.get()
    download = url("attachment_download", application, attachment.pk)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(contact_b)
    assert client.get(download).status_code == 404


def test_a_fake_pdf_is_refused_and_the_draft_kept(client, application, contact_a):
    client.force_login(contact_a)
    response = upload(client, application, "virus.pdf", b"MZ\x90\x00 not a pdf at all")
    assert response.status_code == 200
    assert 'id="id_file_2_error"' in response.text
    assert not ApplicationAttachment.objects.exists()


def test_an_oversized_pdf_is_refused(client, application, contact_a):
    client.force_login(contact_a)
    big = pdf_bytes() + b"%" + b"x" * (11 * 1024 * 1024)
    response = upload(client, application, "gross.pdf", big)
    assert response.status_code == 200
    assert not ApplicationAttachment.objects.exists()


def test_a_contact_removes_an_attachment(client, application, contact_a):
    client.force_login(contact_a)
    upload(client, application, "beschluss.pdf", pdf_bytes())
    attachment = ApplicationAttachment.objects.get()
    response = client.post(url("attachment_delete", application, attachment.pk))
    assert response.status_code == 302
    assert not ApplicationAttachment.objects.exists()


# --- Answer and withdraw ----------------------------------------------------------------------


def test_the_applicant_answers_a_question(client, application, contact_a, staff_user):
    services.applicant_step(application, contact_a, Status.SUBMITTED)
    services.staff_step(application, staff_user, Status.QUERY, "Welche Stelle koordiniert?")
    client.force_login(contact_a)
    page = client.get(url("application_answer", application))
    assert "Welche Stelle koordiniert?" in page.text
    empty = client.post(url("application_answer", application), {"answer": ""})
    assert empty.status_code == 200
    assert 'id="id_answer_error"' in empty.text
    client.post(url("application_answer", application), {"answer": "Das Bürgerbüro."})
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    assert application.transitions.last().note == "Das Bürgerbüro."


def test_the_applicant_withdraws(client, application, contact_a):
    client.force_login(contact_a)
    client.post(url("application_withdraw", application), {"reason": "Später"})
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN


def test_the_dashboard_shows_the_applications_status(client, application, contact_a):
    client.force_login(contact_a)
    assert 'data-application="draft"' in client.get("/mein-bereich/").text


def test_the_dashboard_shows_membership(client, member_a, contact_a):
    client.force_login(contact_a)
    assert 'data-membership="current"' in client.get("/mein-bereich/").text
