"""CSV exports for staff, made for Excel as it is set up in German offices.

Excel in Germany expects the semicolon as separator and recognises UTF-8 only with a byte order
mark. A cell that starts with = + - @ (or a tab or carriage return) would be run as a formula
when the file is opened, so such text gets a leading apostrophe (CSV formula injection).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

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
