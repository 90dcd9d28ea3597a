"""The sheets of the network import: what each reads and writes, on django-import-export.

Each sheet is a `SheetResource` (a django-import-export Resource) that the app knowing its models
registers here: members.network_import registers "Mitglieder", declarations registers
"Unterzeichnungen" and "Partner" (the declarations are an app above members). The library runs
the rows and sorts them into new, changed ("update"), unchanged ("skip") and invalid; a sheet
says how a row is read (`parse`), what is stored now (`load_state`, in the file's own columns,
which is also the export) and how a row is written (`write`).

A row is unchanged when every value it states equals what is stored; an empty optional cell
states nothing, so an import never clears or deletes anything.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader

from members.network_import.reading import normalise_header, parse_date
from members.reference.models import Authority
from portal.models import User

Kind = Authority.Kind
# The two columns by which the sheets of municipalities name one.
AGS, NAME = "AGS", "Kommune"
AGS_PATTERN = re.compile(r"^05\d{6}$")
# A word before the name ("Stadt Olpe") or after a comma ("Olpe, Kreis") narrows the kind.
QUALIFIERS: dict[str, set[str]] = {
    "stadt": {Kind.INDEPENDENT_CITY, Kind.TOWN},
    "kreisfreie stadt": {Kind.INDEPENDENT_CITY},
    "gemeinde": {Kind.MUNICIPALITY},
    "kreis": {Kind.DISTRICT},
    "bezirksregierung": {Kind.REGION},
    "regierungsbezirk": {Kind.REGION},
}
QUALIFIER_OF_KIND: dict[str, str] = {
    Kind.INDEPENDENT_CITY: "Stadt",
    Kind.TOWN: "Stadt",
    Kind.MUNICIPALITY: "Gemeinde",
    Kind.DISTRICT: "Kreis",
    Kind.REGION: "Bezirksregierung",
}


def column(name: str) -> Field:
    """A column of a sheet: its German header, exported from the row's dict of that name."""
    return Field(column_name=name, dehydrate_method=itemgetter(name))


def shown(value: object) -> str:
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value) if value not in (None, "") else "–"


# --- The register: municipalities by key and by name -----------------------------------------


class Register:
    """The NRW register in memory: one query for the whole import, however many rows."""

    def __init__(self) -> None:
        self.by_ags: dict[str, Authority] = {}
        self.by_name: dict[str, list[Authority]] = {}
        for authority in Authority.objects.only("ags", "name", "kind"):
            self.by_ags[authority.ags] = authority
            self.by_name.setdefault(authority.name.casefold(), []).append(authority)
        self.names = sorted({self.display_name(a) for a in self.by_ags.values()})

    def display_name(self, authority: Authority) -> str:
        """The name as the export writes it: the register's, with the kind where it is shared
        ("Kreis Olpe", "Stadt Olpe"); a Bezirksregierung always with the word."""
        if authority.kind == Kind.REGION:
            return f"Bezirksregierung {authority.name}"
        if len(self.by_name[authority.name.casefold()]) > 1:
            return f"{QUALIFIER_OF_KIND[authority.kind]} {authority.name}"
        return authority.name

    def candidates(self, name: str) -> list[Authority]:
        text = " ".join(name.split()).casefold()
        exact = self.by_name.get(text, [])
        qualifier, rest = "", text
        if ", " in text:
            rest, qualifier = (part.strip() for part in text.rsplit(", ", 1))
        else:
            for word in sorted(QUALIFIERS, key=len, reverse=True):
                if text.startswith(word + " "):
                    qualifier, rest = word, text[len(word) + 1 :]
                    break
        if qualifier in QUALIFIERS:
            narrowed = [a for a in self.by_name.get(rest, []) if a.kind in QUALIFIERS[qualifier]]
            if narrowed:
                return narrowed
        return exact

    def resolve(self, ags: str, name: str) -> Authority:
        """The authority a row means by its AGS or its name; ValidationError in German."""
        if ags:
            if len(ags) == 7 and ags.isdigit():
                ags = "0" + ags  # a number cell in Excel loses the leading zero
            if not AGS_PATTERN.match(ags):
                raise ValidationError(
                    _("The AGS “%(ags)s” is not an NRW key of 8 digits beginning with 05.")
                    % {"ags": ags}
                )
            authority = self.by_ags.get(ags)
            if authority is None:
                raise ValidationError(
                    _("The AGS %(ags)s does not exist in the register.") % {"ags": ags}
                )
            if name and authority not in self.candidates(name):
                raise ValidationError(
                    _("The AGS %(ags)s belongs to %(register)s, not to “%(name)s”.")
                    % {"ags": ags, "register": self.display_name(authority), "name": name}
                )
            return authority
        if not name:
            raise ValidationError(_("Please give the AGS or the name of the municipality."))
        found = self.candidates(name)
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError(
                _("“%(name)s” is not unambiguous: %(options)s. Please give the AGS or write it so.")
                % {"name": name, "options": " / ".join(self.display_name(a) for a in found)}
            )
        closest = difflib.get_close_matches(name, self.names, n=3, cutoff=0)
        raise ValidationError(
            _("There is no municipality “%(name)s” in the register. Did you mean: %(closest)s?")
            % {"name": name, "closest": ", ".join(closest)}
        )


# --- What the sheets share during one import ------------------------------------------------


@dataclass
class ImportContext:
    """One import across all sheets: who, the register, and what earlier rows claimed."""

    user: User | None
    create_versions: bool = False
    today: datetime.date = field(default_factory=timezone.localdate)
    register: Register = field(default_factory=Register)
    # (sheet, key) -> the line that named it first; address -> line
    seen: dict[tuple[str, object], int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    # Filled by sheets for the preview: version labels the portal does not know.
    unknown_versions: set[str] = field(default_factory=set)
    # Sheet name -> the keys of its rows, e.g. "Mitglieder" -> AGS
    keys: dict[str, set[object]] = field(default_factory=dict)
    # What the sheets of other apps keep during the import (e.g. the versions they created).
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    """One row as read: its identity, what it states, what is stored, and what differs."""

    key: object
    label: str
    values: dict[str, Any]
    stored: Mapping[str, object] | None
    data: dict[str, Any] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.stored is None


class SheetResource(resources.Resource):
    """A sheet of the import file. Subclasses declare their columns with `column`."""

    sheet_name: ClassVar[str] = ""
    # Groups of columns: a file must have at least one column of each group.
    required_columns: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Columns compared with what is stored; an empty cell in them states nothing.
    compared_columns: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[dict[str, object]] = {}

    class Meta:
        instance_loader_class = BaseInstanceLoader
        use_transactions = False  # services.run_import holds the one transaction
        skip_diff = True
        report_skipped = True

    def __init__(self, context: ImportContext) -> None:
        super().__init__()
        self.context = context
        self.stored: dict[object, dict[str, object]] = {}
        self.row: Row | None = None

    # --- What a sheet says ------------------------------------------------------------

    def load_state(self) -> dict[object, dict[str, object]]:
        raise NotImplementedError

    def parse(self, values: dict[str, object], line: int) -> Row:
        raise NotImplementedError

    def write(self, row: Row) -> None:
        raise NotImplementedError

    def check(self, row: Row) -> None:
        """Refuse a row by what differs (ValidationError); most sheets accept any change."""

    @classmethod
    def headers(cls) -> list[str]:
        return [str(f.column_name) for f in cls.fields.values()]

    def export_rows(self) -> list[dict[str, object]]:
        return list(self.load_state().values())

    # --- Shared reading helpers --------------------------------------------------------

    @classmethod
    def missing_columns(cls, headers: Iterable[str]) -> list[str]:
        """The first name of each required group that has no column in the file."""
        present = {normalise_header(h) for h in headers}
        return [
            group[0]
            for group in cls.required_columns
            if not any(normalise_header(name) in present for name in group)
        ]

    def canonical(self, row: Mapping[str, object]) -> dict[str, object]:
        """The row's cells under the sheet's own column names (case and spaces ignored)."""
        wanted = {normalise_header(name): name for name in self.headers()}
        values: dict[str, object] = dict.fromkeys(self.headers(), "")
        for header, value in row.items():
            name = wanted.get(normalise_header(header))
            if name is not None and not values[name]:
                values[name] = value
        return values

    def text(self, values: Mapping[str, object], name: str) -> str:
        value = values.get(name, "")
        if isinstance(value, datetime.date):
            return value.strftime("%d.%m.%Y")
        return str(value or "").strip()

    def date(
        self, values: Mapping[str, object], name: str, errors: list[str]
    ) -> datetime.date | None:
        try:
            value = parse_date(values.get(name))
        except ValueError:
            errors.append(
                _("“%(value)s” in “%(column)s” is not a date (e.g. 06.12.2017).")
                % {"value": values.get(name), "column": name}
            )
            return None
        if value is not None and value > self.context.today:
            errors.append(
                _("The date in “%(column)s” (%(date)s) is in the future.")
                % {"column": name, "date": shown(value)}
            )
        return value

    def email(self, values: Mapping[str, object], name: str, errors: list[str]) -> str:
        address = self.text(values, name).lower()
        if not address:
            return ""
        try:
            validate_email(address)
        except ValidationError:
            errors.append(
                _("“%(value)s” in “%(column)s” is not a valid e-mail address.")
                % {"value": address, "column": name}
            )
            return ""
        return address

    def claim(self, key: object, line: int, what: str, errors: list[str]) -> None:
        """A key may come only once in a sheet (the same municipality twice is an error)."""
        first = self.context.seen.setdefault((self.sheet_name, key), line)
        if first != line:
            errors.append(
                _("%(what)s already appears in line %(line)s.") % {"what": what, "line": first}
            )
        self.context.keys.setdefault(self.sheet_name, set()).add(key)

    def authority(self, values: Mapping[str, object], errors: list[str]) -> Authority | None:
        """The municipality a row names by "AGS" or "Kommune"; None (and why, in `errors`)."""
        try:
            return self.context.register.resolve(self.text(values, AGS), self.text(values, NAME))
        except ValidationError as error:
            errors.extend(error.messages)
            return None

    def finish(self, errors: list[str], line: int, what: str, row: Row) -> Row:
        """The end of every `parse`: the row claims its key (where `what` names it, so that the
        same key twice is an error), then is refused with all its errors together, or read."""
        if what:
            self.claim(row.key, line, what, errors)
        if errors:
            raise ValidationError(errors)
        return row

    def compare(self, row: Row) -> None:
        if row.stored is None:
            return
        for name in self.compared_columns:
            new, old = row.values.get(name, ""), row.stored.get(name, "")
            if new in ("", None) or new == old:
                continue
            row.changes.append(f"{name}: {shown(old)} → {shown(new)}")

    # --- django-import-export's hooks ----------------------------------------------------

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self.stored = self.load_state()

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        self.row = None
        line = int(kwargs.get("row_number", 0)) + 1  # line 1 holds the headers
        parsed = self.parse(self.canonical(row), line)
        self.compare(parsed)
        self.check(parsed)
        self.row = parsed

    def get_or_init_instance(self, instance_loader: Any, row: Any) -> tuple[Row, bool]:
        row = self.row  # set by before_import_row; a row it refused never gets here
        if row is None:
            raise ValidationError(_("The row could not be read."))
        return row, row.is_new

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        pass  # parse has read the row already

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors=None):
        return not instance.is_new and not instance.changes

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        if not kwargs.get("dry_run"):
            self.write(instance)

    def after_import_row(self, row: Any, row_result: Any, **kwargs: Any) -> None:
        row_result.row = self.row  # the preview shows its label and changes


# --- The registry --------------------------------------------------------------------------

_sheets: list[tuple[int, type[SheetResource]]] = []


def register_sheet(order: int) -> Callable[[type[SheetResource]], type[SheetResource]]:
    def decorator(resource: type[SheetResource]) -> type[SheetResource]:
        if resource not in [r for _, r in _sheets]:
            _sheets.append((order, resource))
            _sheets.sort(key=itemgetter(0))
        return resource

    return decorator


def sheets() -> list[type[SheetResource]]:
    return [resource for _, resource in _sheets]
