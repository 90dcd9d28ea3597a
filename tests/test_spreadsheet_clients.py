"""Every XLSX export of the portal, read back with openpyxl as a member's spreadsheet program
reads it: text that begins like a formula (a phone number "+49 …", "=…", "-…", "@…") is a text
cell that shows as typed, with no apostrophe and nothing run. The apostrophe is CSV's guard
only (portal.spreadsheets, whose XLSX format every such export uses)."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from meetings.models import Registration, RegistrationQuestion
from members.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from tests.factories import (
    AffiliationFactory,
    EventFactory,
    MembershipFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)
from tests.helpers import read_csv

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PHONE = "+49 251 492-0"
# What a person may type that a spreadsheet would otherwise take for a formula.
RISKY = {
    PHONE: "a phone number",
    "=HYPERLINK(1)": "a formula",
    "-- keine Angabe --": "a dash",
    "@Rathaus": "an at sign",
}
# The modules that make an XLSX, and the test below that reads each one back.
# The network import's export is read back in tests/test_list_exports.py.
COVERED = {
    "meetings/events/exports.py",
    "members/surveys/exports.py",
    "members/network_import/services.py",
}


def sheet_of(response) -> Worksheet:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def cells_with(sheet: Worksheet, values) -> dict[str, Cell]:
    """The cells whose shown value is one of `values`, or whose value is one with an
    apostrophe in front."""
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.lstrip("'") in values:
                found[cell.value.lstrip("'")] = cell
    return found


def assert_shown_as_typed_text(sheet: Worksheet) -> None:
    found = cells_with(sheet, RISKY)
    assert set(found) == set(RISKY), "the test data must reach the sheet"
    for text, cell in found.items():
        assert cell.value == text, f"{RISKY[text]} shows an apostrophe: {cell.value!r}"
        assert cell.data_type == "s", f"{RISKY[text]} is not stored as text"
        # Excel's own mark of text typed with an apostrophe: it stays text when edited.
        assert cell.quotePrefix, f"{RISKY[text]} would become a formula when edited"
    for row in sheet.iter_rows():
        for any_cell in row:
            assert any_cell.data_type != "f", f"{any_cell.coordinate} is a formula"
            assert not (isinstance(any_cell.value, str) and any_cell.value.startswith("'"))


def test_every_module_that_writes_xlsx_is_read_back_here():
    writers = {
        str(path.relative_to(ROOT))
        for app in ("portal", "members", "declarations", "meetings")
        for path in (ROOT / app).rglob("*.py")
        if re.search(
            r"^from portal\.spreadsheets import .*\bXLSX\b", path.read_text(encoding="utf-8"), re.M
        )
    }
    assert writers == COVERED


def test_the_participant_list_shows_phone_numbers_and_formulas_as_typed_text(staff_client):
    event = EventFactory(title="Fachtag Ehrenamt: Köln", capacity=None)
    phone = RegistrationQuestion.objects.create(
        event=event, label="Telefon für Rückfragen", kind=RegistrationQuestion.Kind.TEXT
    )
    affiliation = AffiliationFactory(user__full_name="Jürgen Größe")
    Registration.objects.create(
        event=event,
        user=affiliation.user,
        organisation=affiliation.organisation,
        registered_by=affiliation.user,
        status=Registration.Status.CONFIRMED,
        needs="-- keine Angabe --",
        answers=[{"question": phone.pk, "label": phone.label, "answer": PHONE}],
    )
    Registration.objects.create(
        event=event,
        guest_name="=HYPERLINK(1)",
        guest_email="gast@verein.example",
        guest_organisation="@Rathaus",
        guest_token=secrets.token_urlsafe(32),
        status=Registration.Status.CONFIRMED,
    )
    base = f"/admin/meetings/event/{event.pk}/"
    sheet = sheet_of(staff_client.get(f"{base}participants.xlsx"))
    assert_shown_as_typed_text(sheet)
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"=HYPERLINK(1)", "Jürgen Größe"}
    # The CSV keeps its guard: there the apostrophe is the only way to say "text".
    _header, *rows = read_csv(staff_client.get(f"{base}participants.csv"))
    written = {value for row in rows for value in row}
    assert {"'=HYPERLINK(1)", "'+49 251 492-0", "'@Rathaus"} <= written


def test_the_survey_results_show_phone_numbers_and_formulas_as_typed_text(staff_client):
    survey = SurveyFactory(title="Befragung: Ansprechpersonen 2027")
    questions = [
        SurveyQuestionFactory(survey=survey, text=text)
        for text in ("Telefon", "Bemerkung", "Weiteres", "Ort")
    ]
    organisation = AffiliationFactory().organisation
    MembershipFactory(organisation=organisation)
    response = SurveyResponse.objects.create(
        survey=survey,
        respondent_key=f"organisation:{organisation.pk}",
        organisation=organisation,
        status=SurveyResponse.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, question=question, value=value)
        for question, value in zip(questions, RISKY, strict=True)
    )
    assert all(q.kind == SurveyQuestion.Kind.TEXT for q in questions)
    sheet = sheet_of(staff_client.get(f"/admin/members/survey/{survey.pk}/results.xlsx"))
    assert_shown_as_typed_text(sheet)
    (row,) = sheet.iter_rows(min_row=2, values_only=True)
    assert list(row[-4:]) == list(RISKY)
