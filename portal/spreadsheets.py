"""CSV and XLSX exports for staff, made for Excel as it is set up in German offices.

Excel in Germany expects the semicolon as separator and recognises UTF-8 only with a byte order
mark. A cell that starts with = + - @ (or a tab or carriage return) would be run as a formula
when the file is opened, so such text gets a leading apostrophe in CSV (CSV formula injection).
An XLSX cell says itself what it holds: such text is stored as a text cell, marked as Excel marks
text typed with a leading apostrophe, so it shows as typed ("+49 251 …") and is never run.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
COLUMN_WIDTH_MAX = 60
BOM = "\ufeff"
DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """One value as the text of a cell: German dates, no formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(
    filename: str, headers: Sequence[object], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A CSV download (semicolon, UTF-8 with BOM) of the header line and the rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response.write(BOM)
    writer = csv.writer(response, delimiter=DELIMITER)
    writer.writerow([cell(h) for h in headers])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return response


def xlsx_value(value: object) -> object:
    """A value as openpyxl stores it: local times without zone, yes/no as words."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def as_text_cells(cells: Iterable[Cell | MergedCell]) -> None:
    """Store text that looks like a formula as text: openpyxl would make "=…" a formula, and
    Excel would run it. quotePrefix is Excel's own mark of text typed with an apostrophe: the
    cell shows the text as it is and stays text when someone edits it."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True


def xlsx_bytes(title: str, header: Sequence[str], data: Iterable[Sequence[object]]) -> bytes:
    """A workbook of one sheet: a bold header row that stays in view when scrolling, columns
    wide enough to read, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook has this one sheet
    sheet.title = title.translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_MAX].strip() or "1"
    sheet.append([xlsx_value(text) for text in header])
    as_text_cells(sheet[1])
    for header_cell in sheet[1]:
        header_cell.font = Font(bold=True)
        header_cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [min(len(text), COLUMN_WIDTH_MAX) for text in header]
    for row in data:
        values = [xlsx_value(value) for value in row]
        sheet.append(values)
        as_text_cells(sheet[sheet.max_row])
        for column, value in enumerate(values):
            if isinstance(value, datetime.datetime):
                sheet.cell(sheet.max_row, column + 1).number_format = "DD.MM.YYYY HH:MM"
                width = 16
            else:
                width = max((len(line) for line in str(value or "").splitlines()), default=0)
            widths[column] = max(widths[column], width)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, COLUMN_WIDTH_MAX)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
