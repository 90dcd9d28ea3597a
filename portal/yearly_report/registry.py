"""The sections of the yearly report, which the domain apps register.

The report's figures belong to every app (members, declarations, events, library, information
e-mails), and portal must not import the domain apps: as with the staff's overview, each app
registers its sections in its AppConfig.ready() (`<app>/report_sections.py`), and the report
(portal.yearly_report.services) collects them in their order. A section is a function
`(year) -> Section`: plain figures (tables, each with an optional chart or map), no request and
no permission check, since the report is made in the worker and kept for everyone allowed to
see reports. A section counts with a fixed number of queries, however much data there is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from portal.ordering import Ordered


@dataclass(frozen=True)
class Table:
    """A table of figures; in the PDF and on the page with its chart (or map) beside it, in
    the spreadsheet as rows under its caption."""

    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]
    chart: SafeString | None = None
    note: str = ""  # a sentence under the caption, such as a map's legend


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sentences under the title
    # Without data the section shows only this sentence, no empty table or chart.
    empty: str = ""

    @property
    def has_data(self) -> bool:
        return not self.empty


SectionMaker = Callable[[int], Section]

_registered: Ordered[SectionMaker] = Ordered()
# Put the section into the report; lower `order` comes first.
register_section = _registered.register


def section_makers() -> list[SectionMaker]:
    return _registered.all()


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of the year and of the next one, in the portal's time zone: for
    filters on time stamps (`__gte` the first, `__lt` the second)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=zone)


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage, as the language writes it ("40 %", "40%"); a dash
    without a whole."""
    if not whole:
        return "–"
    return gettext("%(percent)s%%") % {"percent": number_format(round(100 * part / whole))}
