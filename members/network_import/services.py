"""Bringing the network in from the team's file, and out again in the same format.

`run_import` reads the file and runs every sheet through django-import-export in one
transaction: as a preview (nothing is written) or confirmed (all rows or none). The admin page
and `manage.py import_network` call it alike and show the same counts.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult

from members.network_import.models import ImportedPerson, ImportLog
from members.network_import.reading import Sheet, normalise_header, read_file
from members.network_import.sheets import ImportContext, SheetResource, sheets
from members.people.models import Affiliation, Organisation
from members.people.services import invite_on_behalf_of_network
from portal.models import User
from portal.spreadsheets import XLSX

STATUS = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "changed",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_INVALID: "error",
    RowResult.IMPORT_TYPE_ERROR: "error",
}
COUNTED = ("new", "changed", "unchanged", "error")
# At most this many invitations in any hour, whoever sends them.
INVITATIONS_PER_HOUR = 100


@dataclass
class RowReport:
    line: int
    label: str
    status: str
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class SheetReport:
    name: str
    rows: list[RowReport] = field(default_factory=list)
    error: str = ""

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in COUNTED}


@dataclass
class ImportReport:
    file_name: str = ""
    sha256: str = ""
    file_error: str = ""
    sheets: list[SheetReport] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    unknown_versions: list[str] = field(default_factory=list)
    log: ImportLog | None = None

    @property
    def ok(self) -> bool:
        return not self.file_error and not any(
            sheet.error or sheet.count("error") for sheet in self.sheets
        )

    @property
    def has_changes(self) -> bool:
        return any(sheet.count("new") or sheet.count("changed") for sheet in self.sheets)

    def summary(self) -> list[str]:
        """One line per sheet: the counts as the command prints them and admin shows them."""
        lines = [
            _(
                "%(sheet)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
                "%(error)s with errors"
            )
            % {"sheet": sheet.name, **sheet.counts}
            for sheet in self.sheets
        ]
        if any(sheet.name == "Mitglieder" for sheet in self.sheets):
            lines.append(
                _("Members not in the file (they stay members): %(count)s")
                % {"count": len(self.not_in_file)}
            )
        return lines


def _assign_sheets(sheet_list: list[Sheet]) -> tuple[list[tuple[type[SheetResource], Sheet]], str]:
    """Which resource reads which sheet: a workbook's by title, a CSV by its columns."""
    resources = sheets()
    if len(sheet_list) == 1 and not sheet_list[0].title:
        headers = sheet_list[0].dataset.headers or []
        # The sheet whose columns fit best; the most specific first (partners, signatures).
        best = min(reversed(resources), key=lambda r: len(r.missing_columns(headers)))
        if len(best.missing_columns(headers)) == len(best.required_columns):
            return [], _(
                "The columns of the CSV file do not fit any sheet (Mitglieder, "
                "Unterzeichnungen, Partner). Please use the column names of the template."
            )
        return [(best, sheet_list[0])], ""
    by_title = {normalise_header(sheet.title): sheet for sheet in sheet_list}
    missing = [r.sheet_name for r in resources if normalise_header(r.sheet_name) not in by_title]
    if missing:
        return [], _("The sheet “%(sheet)s” is missing in the workbook.") % {
            "sheet": "”, “".join(missing)
        }
    return [(r, by_title[normalise_header(r.sheet_name)]) for r in resources], ""


def _sheet_report(resource: SheetResource, result: Any) -> SheetReport:
    report = SheetReport(resource.sheet_name)
    invalid = {row.number: row for row in result.invalid_rows}
    errors = dict(result.row_errors())
    for number, row_result in enumerate(result.rows, start=1):
        row = getattr(row_result, "row", None)
        status = STATUS.get(row_result.import_type, "error")
        messages: list[str] = []
        if number in invalid:
            messages = [str(m) for ms in invalid[number].error_dict.values() for m in ms]
        elif number in errors:
            messages = [
                _("Unexpected error: %(error)s") % {"error": e.error} for e in errors[number]
            ]
        label = row.label if row is not None else ""
        if not label and number in invalid:
            values = invalid[number].values
            label = " ".join(str(v) for v in values[:2] if v)
        report.rows.append(
            RowReport(number + 1, label, status, row.changes if row else [], messages)
        )
    return report


def run_import(
    content: bytes | io.IOBase | Any,
    file_name: str,
    user: User | None,
    *,
    confirm: bool = False,
    create_versions: bool = False,
) -> ImportReport:
    """Preview (confirm=False: nothing is written) or import the file, all rows or none."""
    upload = io.BytesIO(content) if isinstance(content, bytes) else content
    report = ImportReport(file_name=file_name)
    try:
        data, sheet_list = read_file(upload)
    except ValidationError as error:
        report.file_error = " ".join(error.messages)
        return report
    report.sha256 = hashlib.sha256(data).hexdigest()
    assigned, problem = _assign_sheets(sheet_list)
    if problem:
        report.file_error = problem
        return report
    context = ImportContext(user=user, create_versions=create_versions)
    with transaction.atomic():
        for resource_class, sheet in assigned:
            resource = resource_class(context)
            missing = resource.missing_columns(sheet.dataset.headers or [])
            if missing:
                report.sheets.append(
                    SheetReport(
                        resource.sheet_name,
                        error=_("The column “%(column)s” is missing in the sheet “%(sheet)s”.")
                        % {"column": "”, “".join(missing), "sheet": resource.sheet_name},
                    )
                )
                continue
            result = resource.import_data(sheet.dataset, dry_run=not confirm)
            report.sheets.append(_sheet_report(resource, result))
        report.unknown_versions = sorted(context.unknown_versions)
        if any(sheet.name == "Mitglieder" and not sheet.error for sheet in report.sheets):
            in_file = context.keys.get("Mitglieder", set())
            report.not_in_file = [
                str(organisation)
                for organisation in Organisation.objects.members().select_related("authority")
                if organisation.authority.ags not in in_file
            ]
        if confirm and report.ok:
            report.log = ImportLog.objects.create(
                imported_by=user,
                file_name=file_name[:255],
                sha256=report.sha256,
                counts={sheet.name: sheet.counts for sheet in report.sheets},
                not_in_file=len(report.not_in_file),
            )
        else:
            # A preview writes nothing; a confirmed import with one bad row writes nothing either.
            transaction.set_rollback(True)
    return report


# --- Out again -------------------------------------------------------------------------------


def export_book(*, example: bool = False) -> bytes:
    """All sheets as one workbook in the import's format; `example`: the template's one row each."""
    context = ImportContext(user=None)
    datasets = []
    for resource_class in sheets():
        resource = resource_class(context)
        rows = [resource_class.example] if example else resource.export_rows()
        dataset = resource.export(
            queryset=[{**dict.fromkeys(resource.headers(), ""), **r} for r in rows]
        )
        dataset.title = resource.sheet_name
        datasets.append(dataset)
    # A text that begins like a formula stays that text, as a text cell (portal.spreadsheets).
    return XLSX.export_sheets(datasets)


# --- Access for imported people --------------------------------------------------------------


def invite_imported(person: ImportedPerson, staff: User) -> None:
    """Send the portal's invitation to one imported person, once; ValidationError if not."""
    with transaction.atomic():
        person = ImportedPerson.objects.select_for_update().get(pk=person.pk)
        if person.invited_at:
            raise ValidationError(_("An invitation has been sent already."))
        if not person.email:
            raise ValidationError(_("There is no e-mail address."))
        if Affiliation.objects.filter(user__email__iexact=person.email).exists():
            raise ValidationError(_("This person already has access to the portal."))
        hour_ago = timezone.now() - timedelta(hours=1)
        if ImportedPerson.objects.filter(invited_at__gte=hour_ago).count() >= INVITATIONS_PER_HOUR:
            raise ValidationError(
                _("At most %(count)s invitations an hour; please try again later.")
                % {"count": INVITATIONS_PER_HOUR}
            )
        person.invitation = invite_on_behalf_of_network(
            person.organisation, staff, person.email, person.role
        )
        person.invited_at = timezone.now()
        person.save(update_fields=["invitation", "invited_at"])
