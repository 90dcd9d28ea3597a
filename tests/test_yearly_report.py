"""The yearly report's figures against a hand-made world of known numbers (tests/
yearly_report_world.py), read back from the PDF (pypdf) and the spreadsheet (openpyxl), its
PDF/UA markers (pikepdf), a year without data, and the query count of the figures."""

from __future__ import annotations

import datetime
import io

import pikepdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.mailings.models import Mailing
from portal.yearly_report import document
from portal.yearly_report.models import YearlyReport
from portal.yearly_report.registry import Section, Table
from portal.yearly_report.rendering import collect_sections, make_report
from tests.yearly_report_world import EXPECTED, YEAR, build_world, moment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _made(year: int = YEAR, language: str = "de") -> YearlyReport:
    report = YearlyReport.objects.create(year=year, language=language, requested_by=None)
    make_report(report.pk)
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.DONE
    return report


def _pdf_text(report: YearlyReport) -> str:
    with report.pdf.open("rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _sheets(report: YearlyReport) -> dict[str, list[list[object]]]:
    with report.xlsx.open("rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def _row(rows: list[list[object]], first: object) -> list[object]:
    return next(row for row in rows if row and row[0] == first)


def _after(rows: list[list[object]], caption: str) -> list[list[object]]:
    """The rows of the table under `caption`, without its header."""
    start = next(index for index, row in enumerate(rows) if row and row[0] == caption)
    table = []
    for row in rows[start + 2 :]:
        if not row or row[0] is None:
            break
        table.append(row)
    return table


def test_the_spreadsheet_holds_the_figures_of_the_hand_made_world():
    build_world()
    sheets = _sheets(_made())
    members = sheets["Mitglieder"]
    summary = _after(members, "Mitglieder zu Beginn und Ende des Jahres")
    assert [row[1] for row in summary] == [
        EXPECTED["start"],
        EXPECTED["joined"],
        EXPECTED["left"],
        EXPECTED["end"],
    ]
    by_type = {row[0]: row[1:5] for row in _after(members, "Nach Art")}
    assert by_type["Kreis"] == [1, 0, 0, 1]
    assert by_type["Gemeinde"] == [2, 2, 2, 2]
    left = _after(members, f"Ausgetreten {YEAR}")
    assert sorted(row[4] for row in left) == ["Gebietsreform", "Haushaltssperre"]

    signatures = _row(sheets["Gemeinsame Erklärung"], "2017")
    assert signatures[2:] == [
        EXPECTED["valid_signatures"],
        EXPECTED["signed_in_year"],
        EXPECTED["on_paper"],
    ]
    event = _after(sheets["Veranstaltungen"], "Veranstaltungen des Jahres")
    assert len(event) == 1, "the draft and next year's event are not counted"
    assert event[0][6:10] == [EXPECTED["registered"], EXPECTED["attended"], "50 %", 1]

    mailing = _after(sheets["Informations-E-Mails"], "Informations-E-Mails und ihre Zustellung")
    assert mailing[0][3:6] == [EXPECTED["recipients"], EXPECTED["delivered"], EXPECTED["failed"]]
    assert _row(sheets["Informations-E-Mails"], "Abgemeldet")[1] == EXPECTED["unsubscribed"]

    survey = _after(sheets["Befragungen"], "Befragungen und ihre Rücklaufquote")
    assert survey[0][4:7] == [EXPECTED["asked"], EXPECTED["responses"], "50 %"]
    assert _row(sheets["Wissen"], "Zusammen")[1] == EXPECTED["library_added"]


def test_the_pdf_says_the_same_figures_in_german():
    build_world()
    text = _pdf_text(_made())
    assert f"Jahresbericht Kommunen-Netzwerk {YEAR}" in text
    assert "Mitglieder am 31.12.2024 3 beigetreten 2" in text
    assert "ausgetreten 2 Mitglieder am 31.12.2025 3" in text
    assert "Haushaltssperre" in text
    assert "Gebietsreform" in text
    assert "Netzwerktreffen Frühjahr 0 Netzwerktreffen veröffentlicht 10 4 2 50 % 1" in text
    assert "Umfrage Ehrenamtskarte 0 01.04.2025 30.04.2025 2 1 50 %" in text
    assert "03.03.2025 Rundbrief 0 3 2 1" in text


def test_the_report_in_english_is_made_in_english_whatever_language_is_active():
    build_world()
    with translation.override("de"):
        report = _made(language="en")
    text = _pdf_text(report)
    assert f"Yearly report Kommunen-Netzwerk {YEAR}" in text
    assert "Members at the start and end of the year" in text
    assert "Mitglieder zu Beginn" not in text
    assert "Members" in _sheets(report)


def test_the_pdf_is_tagged_pdf_ua_with_a_text_for_every_figure():
    build_world()
    report = _made()
    with report.pdf.open("rb") as file, pikepdf.open(io.BytesIO(file.read())) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "de"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert pdf.pdf_version == "1.7"
        assert str(pdf.docinfo.Title) == f"Jahresbericht Kommunen-Netzwerk {YEAR}"
        with pdf.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"
            assert meta.get("dc:title") == f"Jahresbericht Kommunen-Netzwerk {YEAR}"
        figures = [
            node
            for node in _structure(pdf.Root.StructTreeRoot)
            if node.get("/S") == pikepdf.Name.Figure
        ]
        assert len(figures) >= 6, "the charts and the map are figures"
        assert all("/Alt" in figure for figure in figures)


def _structure(node):
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _structure(kid)


def test_a_year_without_data_says_so_instead_of_empty_charts():
    report = _made(year=2003)
    text = _pdf_text(report)
    assert "Das Portal enthält für 2003 keine Zahlen" in text
    with report.pdf.open("rb") as file, pikepdf.open(io.BytesIO(file.read())) as pdf:
        assert not any(
            node.get("/S") == pikepdf.Name.Figure for node in _structure(pdf.Root.StructTreeRoot)
        )
    sheets = _sheets(report)
    assert _row(sheets["Veranstaltungen"], "Keine Veranstaltung im Jahr 2003.")


def _queries_for_figures() -> int:
    with CaptureQueriesContext(connection) as queries:
        sections = collect_sections(YEAR)
    assert all(section.has_data for section in sections)
    return len(queries)


def test_the_figures_take_as_many_queries_with_ten_times_the_data():
    build_world(1)
    once = _queries_for_figures()
    build_world(9, first=1)
    assert _queries_for_figures() == once
    assert once <= 15


def test_the_figures_of_ten_times_the_world_are_ten_times_the_figures():
    build_world(10)
    sections = {section.key: section for section in collect_sections(YEAR)}
    summary = sections["members"].tables[1].rows
    assert [row[1] for row in summary] == [30, 20, 20, 30]


def test_text_that_looks_like_a_formula_stays_text_and_dates_are_dates_in_the_spreadsheet():
    Mailing.objects.create(
        subject='=HYPERLINK("https://evil.example")',
        body="Text",
        status=Mailing.Status.SENT,
        started_at=moment(3, 3),
    )
    book = load_workbook(io.BytesIO(document.report_xlsx(YEAR, collect_sections(YEAR))))
    sheet = book["Informations-E-Mails"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    subject = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert subject.data_type == "s"
    assert subject.quotePrefix
    sent_on = next(cell for cell in cells if isinstance(cell.value, datetime.datetime))
    assert (sent_on.value.date(), sent_on.number_format) == (
        datetime.date(YEAR, 3, 3),
        "DD.MM.YYYY HH:MM",
    )


def test_every_section_has_its_own_sheet_in_the_report_order():
    sections = collect_sections(YEAR)
    book = document.report_xlsx(YEAR, sections)
    titles = load_workbook(io.BytesIO(book)).sheetnames
    assert titles == [section.title for section in sections]


def test_a_table_without_rows_says_so_instead_of_showing_only_its_head():
    section = Section(
        key="members",
        title="Mitglieder",
        tables=[
            Table(caption="Beigetreten 2026", header=["Name", "Typ"], rows=[]),
            Table(caption="Nach Art", header=["Typ", "Anzahl"], rows=[["Stadt", 9]]),
        ],
    )
    with translation.override("de"):
        html = document.report_html(YEAR, [section])
    empty_block, filled_block = html.split("<h3>")[1:]
    assert "<table" not in empty_block
    assert "Keine Einträge in diesem Jahr." in empty_block
    assert "<table" in filled_block
