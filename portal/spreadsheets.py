"""The staff's list exports on django-import-export, written as Excel in German offices wants them.

A list is a django-import-export `Resource` (its columns, with German headers); `export_response`
writes it as CSV or XLSX with the two formats below, which differ from the library's own only
where the library's guard against formulas falls short: IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT
and tablib's `escape` drop a leading "=" (the typed text is lost) and let + - @ through.

Excel in Germany expects the semicolon as separator and recognises UTF-8 only with a byte order
mark. A cell that starts with = + - @ (or a tab or carriage return) would be run as a formula
when the file is opened, so such text gets a leading apostrophe in CSV (CSV formula injection).
An XLSX cell says itself what it holds: such text is stored as a text cell, marked as Excel marks
text typed with a leading apostrophe, so it shows as typed ("+49 251 …") and is never run.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import tablib
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.resources import Resource
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from tablib.formats import registry

if TYPE_CHECKING:
    from django.utils.functional import Promise
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
COLUMN_WIDTH_MAX = 60
BOM = "\ufeff"
DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def column(header: str | Promise, value: Callable[[Any], object]) -> Field:
    """A column of a list: its header (translated when the file is made) and its value of a
    record, as it is (a date stays a date in XLSX)."""
    return Field(column_name=header, dehydrate_method=value)


def cell(value: object) -> str:
    """One value as the text of a CSV cell: German dates, no formulas."""
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


def xlsx_value(value: object) -> object:
    """A value as openpyxl stores it: local times without zone, yes/no as words."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def _mapped(dataset: tablib.Dataset, convert: Callable[[object], object]) -> tablib.Dataset:
    mapped = tablib.Dataset(headers=[convert(h) for h in dataset.headers or []])
    for row in dataset:
        mapped.append([convert(value) for value in row])
    return mapped


class ExcelCSV(base_formats.CSV):
    """CSV for German Excel: semicolons, UTF-8 with BOM, German dates, formulas as text."""

    CONTENT_TYPE = "text/csv; charset=utf-8"

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return BOM + _mapped(dataset, cell).export("csv", delimiter=DELIMITER)


def as_text_cells(cells: Iterable[Cell | MergedCell]) -> None:
    """Store text that looks like a formula as text: openpyxl would make "=…" a formula, and
    Excel would run it. quotePrefix is Excel's own mark of text typed with an apostrophe: the
    cell shows the text as it is and stays text when someone edits it."""
    for one in cells:
        if isinstance(one.value, str) and one.value.startswith(FORMULA_STARTS):
            one.data_type = "s"
            one.quotePrefix = True


class TextCellXLSX(base_formats.XLSX):
    """Sheets written by tablib (bold header that stays in view), then: formula-like text as
    text cells, times in German notation, columns wide enough to read."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        return self.export_sheets([dataset])

    def export_sheets(self, datasets: Iterable[tablib.Dataset]) -> bytes:
        """A workbook of one sheet per dataset, each named by the dataset's title."""
        workbook = Workbook()
        workbook.remove(workbook.worksheets[0])  # a new workbook has one sheet
        for dataset in datasets:
            title = (dataset.title or "").translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_MAX]
            sheet = workbook.create_sheet(title.strip() or str(len(workbook.worksheets) + 1))
            writer = registry.get_format("xlsx")  # tablib's own sheet writer
            writer.dset_sheet(_mapped(dataset, xlsx_value), sheet, freeze_panes=True)
            _finish(sheet)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def _finish(sheet: Worksheet) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        as_text_cells(row)
        for number, one in enumerate(row, start=1):
            if isinstance(one.value, datetime.datetime):
                one.number_format = "DD.MM.YYYY HH:MM"
                width = 16
            else:
                lines = str(one.value or "").splitlines()
                width = max((len(line) for line in lines), default=0)
            widths[number] = max(widths.get(number, 0), width)
    for number, width in widths.items():
        sheet.column_dimensions[get_column_letter(number)].width = min(width + 2, COLUMN_WIDTH_MAX)


CSV = ExcelCSV()
XLSX = TextCellXLSX()


def export_response(
    resource: Resource,
    records: Iterable[Any],
    file_format: base_formats.TablibFormat,
    filename: str,
    title: str = "",
) -> HttpResponse:
    """The download of `records` as `resource` lists them, named `filename`; `title` names the
    sheet of an XLSX."""
    dataset = resource.export(records)
    dataset.title = title
    response = HttpResponse(
        file_format.export_data(dataset), content_type=file_format.get_content_type()
    )
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook made elsewhere (the network import's export) as a download."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
