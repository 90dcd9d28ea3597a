"""The staff's list exports on django-import-export (portal.spreadsheets), read back with the
csv module and openpyxl: German headers for German staff, the files' names, dates as dates,
and no formula, whatever the library's own escape setting says."""

from __future__ import annotations

import datetime
import io

import pytest
import tablib
from django.utils import timezone
from openpyxl import load_workbook

from declarations.exports import NotYetSignedResource, SignatureResource
from meetings.events.exports import ParticipantResource
from members.applications.admin import ApplicationResource, MembershipResource
from members.models import Affiliation, Authority, Organisation, SurveyAnswer, SurveyResponse
from members.network_import.models import ImportedPerson
from members.network_import.services import export_book, run_import
from portal.spreadsheets import CSV, XLSX
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganisationFactory,
    SignatureFactory,
    StaffFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)
from tests.helpers import client_for, read_csv, run_action

pytestmark = pytest.mark.django_db
SIGNATURES = "/admin/declarations/signature/"
TODAY = timezone.localdate().isoformat()


@pytest.fixture
def german_staff(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    return client_for(StaffFactory(language="de"))


def filename_of(response) -> str:
    return response["Content-Disposition"].split("filename=")[-1].strip('"')


@pytest.mark.parametrize(
    "resource",
    [
        ApplicationResource(),
        MembershipResource(),
        SignatureResource(),
        NotYetSignedResource(),
        ParticipantResource(),
    ],
    ids=lambda r: type(r).__name__,
)
def test_each_list_is_a_resource_whose_headers_are_the_files_first_line(resource):
    headers = resource.get_export_headers()

    assert CSV.export_data(resource.export([])).lstrip("\ufeff").strip() == ";".join(headers)
    sheet = load_workbook(io.BytesIO(XLSX.export_data(resource.export([])))).worksheets[0]
    assert [c.value for c in sheet[1]] == headers


def test_the_signature_list_has_german_headers_and_name_for_german_staff(german_staff):
    signature = SignatureFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05914000")),
        signatory_name="=Max Muster",
        signed_on=datetime.date(2017, 12, 6),
    )

    response = run_action(german_staff, SIGNATURES, "export_csv", [signature])

    assert filename_of(response) == f"Unterzeichnungen-{TODAY}.csv"
    header, row = read_csv(response)
    assert header == [
        "Kommune",
        "AGS",
        "Typ",
        "Regierungsbezirk",
        "Fassung",
        "Unterzeichnende Person",
        "Funktion",
        "Ort",
        "Datum der Unterzeichnung",
        "Prüfcode",
        "Gültig",
    ]
    assert row[:2] == ["Hagen", "05914000"]
    assert row[5] == "'=Max Muster"
    assert row[8] == "06.12.2017"
    assert row[9:] == [signature.verification_code, "ja"]


def test_the_list_of_members_not_yet_signed_joins_their_addresses(german_staff):
    organisation = OrganisationFactory(authority=Authority.objects.get(ags="05914000"))
    MembershipFactory(organisation=organisation, since=datetime.date(2017, 12, 6))
    for email in ("b@hagen.example", "a@hagen.example"):
        AffiliationFactory(
            organisation=organisation, role=Affiliation.Role.CONTACT, user__email=email
        )

    response = german_staff.get(f"{SIGNATURES}missing/export/")

    assert filename_of(response).startswith("Noch nicht unterzeichnet-")
    header, *rows = read_csv(response)
    assert header[4:] == [
        "Mitglied seit",
        "E-Mail der Ansprechpersonen",
        "E-Mail der Verwaltungsspitze",
    ]
    (row,) = [r for r in rows if r[1] == "05914000"]
    assert row[4] == "06.12.2017"
    assert set(row[5].split(", ")) == {"a@hagen.example", "b@hagen.example"}


def test_the_survey_results_keep_times_as_dates_and_scales_as_numbers_in_xlsx(staff_client):
    survey = SurveyFactory(title="Befragung 2027")
    question = SurveyQuestionFactory(survey=survey, text="Wie zufrieden?")
    organisation = AffiliationFactory().organisation
    submitted = timezone.make_aware(datetime.datetime(2027, 3, 1, 9, 30))
    response = SurveyResponse.objects.create(
        survey=survey,
        respondent_key=f"organisation:{organisation.pk}",
        organisation=organisation,
        status=SurveyResponse.Status.SUBMITTED,
        submitted_at=submitted,
    )
    SurveyAnswer.objects.create(response=response, question=question, value=4)

    download = staff_client.get(f"/admin/members/survey/{survey.pk}/results.xlsx")

    assert filename_of(download) == f"befragung-2027-results-{TODAY}.xlsx"
    sheet = load_workbook(io.BytesIO(download.content)).worksheets[0]
    assert sheet.title == "Befragung 2027"
    assert [c.value for c in sheet[1]][-2:] == ["Submitted", "Wie zufrieden?"]
    when, answer = sheet[2][-2], sheet[2][-1]
    assert when.value == datetime.datetime(2027, 3, 1, 9, 30)
    assert when.number_format == "DD.MM.YYYY HH:MM"
    assert (answer.value, answer.data_type) == (4, "n")
    assert sheet.freeze_panes == "A2"


def test_the_formats_keep_formula_text_whatever_the_librarys_escape_setting(settings):
    # django-import-export's own escape drops the "="; the portal's formats do not use it.
    settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
    dataset = tablib.Dataset(["=1+1", "@A1", "-", "Köln; Bonn"], headers=["a", "b", "c", "d"])

    text = CSV.export_data(dataset)
    sheet = load_workbook(io.BytesIO(XLSX.export_data(dataset))).worksheets[0]

    assert text.splitlines()[1] == "'=1+1;'@A1;'-;\"Köln; Bonn\""
    cells = sheet[2]
    assert [c.value for c in cells] == ["=1+1", "@A1", "-", "Köln; Bonn"]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, False]


def test_the_network_export_keeps_formula_like_text_as_text_and_reimports_unchanged(staff_user):
    MembershipFactory(
        organisation=OrganisationFactory(authority=Authority.objects.get(ags="05914000")),
        since=datetime.date(2017, 12, 6),
        until=datetime.date(2020, 1, 31),
        exit_reason="=Fusion",
    )
    ImportedPerson.objects.create(
        organisation=Organisation.objects.get(authority__ags="05914000"),
        role=ImportedPerson.Role.CONTACT,
        full_name="Erika Beispiel",
        email="erika@hagen.example",
        phone="+49 2331 000",
    )

    exported = export_book()

    sheet = load_workbook(io.BytesIO(exported))["Mitglieder"]
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row}
    for text in ("=Fusion", "+49 2331 000"):
        assert (cells[text].data_type, cells[text].quotePrefix) == ("s", True)
    report = run_import(exported, "export.xlsx", staff_user)
    assert report.ok
    assert {row.status for s in report.sheets for row in s.rows} == {"unchanged"}
