"""The yearly report's page in admin: who may see it, requesting a report (one render per year
and language at a time), bad input, progress, downloads, and the link on the staff overview."""

from __future__ import annotations

import io
import time
from typing import cast

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import User
from portal.yearly_report import services
from portal.yearly_report.models import YearlyReport
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "no_staff_mfa")]

URL = "/admin/jahresbericht/"


def staff(*, allowed: bool) -> User:
    user = cast(User, UserFactory(is_staff=True, language="de"))
    if allowed:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="portal", codename="view_yearlyreport")
        )
    return user


@pytest.fixture
def reporter(client):
    user = staff(allowed=True)
    client.force_login(user)
    return user


def test_staff_with_the_permission_see_the_page_with_last_year_chosen(client, reporter):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Jahresbericht</h1>" in page
    assert 'name="year"' in page
    assert "Es wurde noch kein Bericht erstellt." in page


def test_staff_without_the_permission_are_refused(client):
    client.force_login(staff(allowed=False))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"year": "2025", "language": "de"}).status_code == 403
    assert not YearlyReport.objects.exists()


def test_people_who_are_not_staff_are_sent_to_the_login(client):
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.post(URL, {"year": "2025", "language": "de"}).status_code == 302
    assert not YearlyReport.objects.exists()


def test_a_superuser_sees_the_page(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("zweitausend", "Bitte geben Sie das Jahr als Zahl ein, zum Beispiel 2026."),
        ("", "Bitte geben Sie das Jahr des Berichts ein."),
        ("1999", "Bitte wählen Sie ein Jahr von 2000 bis"),
        ("3000", "Bitte wählen Sie ein Jahr von 2000 bis"),
        ("2025.5", "Bitte geben Sie das Jahr als Zahl ein"),
        ("99999999999999999999", "Bitte wählen Sie ein Jahr von 2000 bis"),
    ],
)
def test_a_bad_year_gets_a_german_message_next_to_the_field_and_keeps_what_was_typed(
    client, reporter, year, message
):
    response = client.post(URL, {"year": year, "language": "de"})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'id="id_year_error"' in page
    assert f'value="{year}"' in page or not year
    assert not YearlyReport.objects.exists()


def test_an_unknown_language_is_refused_without_an_error_page(client, reporter):
    response = client.post(URL, {"year": "2025", "language": "xx"})
    assert response.status_code == 400
    assert not YearlyReport.objects.exists()


def test_a_request_makes_the_report_and_both_files_can_be_downloaded_again(
    client, reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"year": "2025", "language": "de"})
    assert response.status_code == 302
    report = YearlyReport.objects.get()
    assert (report.year, report.language, report.requested_by) == (2025, "de", reporter)
    assert report.status == YearlyReport.Status.DONE
    assert report.progress == 100
    page = client.get(URL).content.decode()
    pdf_url = reverse("admin:yearly_report_pdf", args=[report.pk])
    xlsx_url = reverse("admin:yearly_report_xlsx", args=[report.pk])
    assert pdf_url in page
    assert xlsx_url in page
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    sheet = client.get(xlsx_url)
    assert "attachment" in sheet["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    assert book.sheetnames[0] == "Mitglieder"


def test_a_second_request_while_one_is_being_made_starts_no_second_render(
    client, reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(URL, {"year": "2025", "language": "de"})
        response = client.post(URL, {"year": "2025", "language": "de"}, follow=True)
    assert YearlyReport.objects.count() == 1
    assert len(queued) == 1, "one task queued"
    assert "wird bereits erstellt" in response.content.decode()
    client.post(URL, {"year": "2025", "language": "en"})
    assert YearlyReport.objects.count() == 2, "the other language is another report"


def test_the_database_refuses_a_second_report_in_progress_for_the_same_year_and_language():
    YearlyReport.objects.create(year=2025, language="de", status=YearlyReport.Status.RENDERING)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearlyReport.objects.create(year=2025, language="de")
    YearlyReport.objects.create(year=2025, language="de", status=YearlyReport.Status.DONE)


def test_a_report_can_be_requested_again_once_the_last_one_is_made(
    reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created_first = services.request_report(2025, "de", reporter)
    with django_capture_on_commit_callbacks(execute=True):
        second, created_second = services.request_report(2025, "de", reporter)
    assert created_first
    assert created_second
    assert first.pk != second.pk


def test_a_report_left_waiting_by_a_dead_worker_does_not_block_the_year(reporter):
    stuck, _created = services.request_report(2025, "de", reporter)
    YearlyReport.objects.filter(pk=stuck.pk).update(
        requested_at=stuck.requested_at - services.STALE_AFTER
    )
    _fresh, created = services.request_report(2025, "de", reporter)
    assert created
    stuck.refresh_from_db()
    assert stuck.status == YearlyReport.Status.FAILED


def test_progress_is_polled_with_htmx_and_without_javascript_a_link_reloads_the_page(
    client, reporter
):
    YearlyReport.objects.create(
        year=2025, language="de", status=YearlyReport.Status.RENDERING, progress=40
    )
    page = client.get(URL).content.decode()
    list_url = reverse("admin:yearly_report_list")
    assert f'data-hx-get="{list_url}"' in page
    assert 'href="/admin/jahresbericht/#reports"' in page
    assert 'value="40"' in page
    partial = client.get(list_url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "40 %" in partial.content.decode()
    assert client.get(list_url)["Location"].endswith("/admin/jahresbericht/#reports")


def test_a_file_of_a_report_not_made_yet_or_of_an_unknown_kind_is_not_found(client, reporter):
    report = YearlyReport.objects.create(year=2025, language="de")
    assert client.get(f"/admin/jahresbericht/{report.pk}/pdf/").status_code == 404
    assert client.get(f"/admin/jahresbericht/{report.pk}/xlsx/").status_code == 404
    done = YearlyReport.objects.create(year=2024, language="de", status="done")
    assert client.get(f"/admin/jahresbericht/{done.pk}/exe/").status_code == 404


def test_staff_without_the_permission_cannot_download_a_report(client):
    report = YearlyReport.objects.create(year=2025, language="de", status="done")
    client.force_login(staff(allowed=False))
    assert client.get(f"/admin/jahresbericht/{report.pk}/pdf/").status_code == 403


def test_the_staff_overview_links_the_report_only_for_those_who_may_see_it(client, reporter):
    assert URL in client.get("/admin/uebersicht/").content.decode()
    client.force_login(staff(allowed=False))
    assert URL not in client.get("/admin/uebersicht/").content.decode()


def test_a_report_that_fails_is_marked_failed_and_the_year_can_be_requested_again(
    reporter, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr("portal.yearly_report.document.report_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        failed, _created = services.request_report(2025, "de", reporter)
    failed.refresh_from_db()
    assert failed.status == YearlyReport.Status.FAILED
    assert not failed.pdf
    _again, created = services.request_report(2025, "de", reporter)
    assert created


@pytest.mark.worker
def test_a_real_worker_makes_the_requested_report(celery_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = staff(allowed=True)
    with transaction.atomic():
        report, _created = services.request_report(2025, "de", user)
    deadline = time.monotonic() + 120
    while report.in_progress and time.monotonic() < deadline:
        report.refresh_from_db()
        time.sleep(0.2)  # polling the worker's result, not waiting for a race
    assert report.status == YearlyReport.Status.DONE
    assert report.progress == 100
    assert report.xlsx.read().startswith(b"PK")
