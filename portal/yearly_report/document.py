"""The report's two files from its sections: the PDF (WeasyPrint through portal.pdf, tagged
PDF/UA-1) and the spreadsheet (openpyxl, one sheet per section, text cells as in every export of
the portal). Both are made in the language that is active (services sets the report's)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.pdf import PROJECT_DIR, write_pdf
from portal.spreadsheets import SHEET_TITLE_FORBIDDEN, SHEET_TITLE_MAX, as_text_cells, xlsx_value
from portal.yearly_report.registry import Section

TEMPLATE = "yearly_report/report.html"
STYLESHEET = PROJECT_DIR / "templates" / "yearly_report" / "report.css"


def title_of(year: int) -> str:
    # The report's name in German is fixed ("Jahresbericht Kommunen-Netzwerk 2026").
    return gettext("Yearly report Kommunen-Netzwerk %(year)s") % {"year": year}


def report_html(year: int, sections: Sequence[Section]) -> str:
    return render_to_string(
        TEMPLATE,
        {
            "year": year,
            "document_title": title_of(year),
            "language": translation.get_language(),
            "sections": sections,
            "has_data": any(section.has_data for section in sections),
            "made_at": timezone.now(),
        },
    )


def report_pdf(year: int, sections: Sequence[Section]) -> bytes:
    return write_pdf(report_html(year, sections), STYLESHEET)


def report_xlsx(year: int, sections: Sequence[Section]) -> bytes:
    """One sheet per section: its title, then each table as caption, header and rows, a blank
    row between tables; a section without data holds its sentence saying so."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    bold = Font(bold=True)
    for section in sections:
        name = section.title.translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_MAX].strip()
        sheet = workbook.create_sheet(name or section.key[:SHEET_TITLE_MAX])
        sheet.append([f"{section.title} {year}"])
        sheet.cell(1, 1).font = Font(bold=True, size=13)
        for line in [*section.notes, *([section.empty] if section.empty else [])]:
            sheet.append([line])
        for table in section.tables:
            sheet.append([])
            sheet.append([table.caption])
            sheet.cell(sheet.max_row, 1).font = bold
            if table.note:
                sheet.append([table.note])
            sheet.append(list(table.header))
            for header_cell in sheet[sheet.max_row]:
                header_cell.font = bold
            for row in table.rows:
                sheet.append([xlsx_value(value) for value in row])
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, datetime.datetime):
                        cell.number_format = "DD.MM.YYYY HH:MM"
                    elif isinstance(cell.value, datetime.date):
                        cell.number_format = "DD.MM.YYYY"
        for row_cells in sheet.iter_rows():
            as_text_cells(row_cells)
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
