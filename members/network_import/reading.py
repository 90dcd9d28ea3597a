"""Reading the team's files: one XLSX with sheets, or one CSV as German Excel writes it.

The content decides what a file is (portal.uploads.sniff), never its name. Every cell comes out
as text or a date: a formula is read as the text it is, never calculated.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from portal.uploads import ZIP_ERRORS, ZIP_TYPE, office_type, sniff

MAX_BYTES = 5 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UTF8_BOM = b"\xef\xbb\xbf"
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")


@dataclass
class Sheet:
    """One sheet of the file: its name (the sheet's title, or "" for a CSV) and its rows."""

    title: str
    dataset: tablib.Dataset


def normalise_header(text: object) -> str:
    """A column or sheet name as compared: case and surrounding or repeated spaces ignored."""
    return " ".join(str(text or "").split()).casefold()


def cell_text(value: object) -> object:
    """A cell as the import reads it: text, or a date for a date cell; empty is ""."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def parse_date(value: object) -> datetime.date | None:
    """06.12.2017, 2017-12-06 or a date cell; None if empty; ValueError if not a date."""
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if match := GERMAN_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(text)
    return datetime.date(year, month, day)


def _dataset(rows: Iterable[Sequence[object]], title: str) -> tablib.Dataset | None:
    """The rows under the first line as a dataset; None if there is no header line."""
    rows = iter(rows)
    header = next(rows, None)
    if header is None or not any(cell_text(value) for value in header):
        return None
    headers = [str(cell_text(value)) for value in header]
    dataset = tablib.Dataset(headers=headers, title=title)
    width = len(headers)
    for row in rows:
        cells = [cell_text(value) for value in row][:width]
        if not any(cells):
            continue  # empty lines between the entries
        dataset.append(cells + [""] * (width - len(cells)))
    return dataset


def _read_xlsx(content: bytes) -> list[Sheet]:
    # read_only keeps memory flat; data_only=False gives the formula's text, not a result.
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            dataset = _dataset(worksheet.iter_rows(values_only=True), worksheet.title)
            if dataset is not None:
                sheets.append(Sheet(worksheet.title, dataset))
        return sheets
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    if content.startswith(UTF8_BOM):
        return content[len(UTF8_BOM) :].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        # German Excel's "CSV (Trennzeichen-getrennt)" writes Windows-1252.
        return content.decode("cp1252")


def _read_csv(content: bytes) -> list[Sheet]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    # The csv module, not tablib's loader: Excel leaves out empty cells at the end of a line.
    dataset = _dataset(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), "")
    return [Sheet("", dataset)] if dataset is not None else []


def read_file(uploaded: Any) -> tuple[bytes, list[Sheet]]:
    """The file's bytes and sheets; ValidationError with a German message if it cannot be read."""
    wrong_type = ValidationError(
        _("The file is neither an Excel workbook (XLSX) nor a CSV file."), code="wrong_type"
    )
    kind = sniff(uploaded, MAX_BYTES)  # refuses a file over 5 MB ("too_large")
    content = uploaded.read()
    if not content.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if kind == ZIP_TYPE:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                if office_type(package) != XLSX_TYPE:
                    raise wrong_type
            sheets = _read_xlsx(content)
        except ZIP_ERRORS:
            raise wrong_type from None
        except (KeyError, ValueError, TypeError):  # openpyxl on a damaged workbook
            raise wrong_type from None
    elif kind or b"\x00" in content:
        raise wrong_type  # a PDF, an image, or some other binary file
    else:
        sheets = _read_csv(content)
    if not any(len(sheet.dataset) for sheet in sheets):
        raise ValidationError(_("The file has no rows to import."), code="empty")
    return content, sheets
