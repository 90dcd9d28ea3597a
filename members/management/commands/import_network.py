"""manage.py import_network FILE [--dry-run]: "Netzwerk importieren" for operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from members.network_import.services import run_import


class Command(BaseCommand):
    help = "Import the network's members, people and signatures from an XLSX or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )
        parser.add_argument(
            "--create-versions",
            action="store_true",
            help="Create versions the portal does not know as historical versions.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open("rb") as upload:
            report = run_import(
                upload,
                path.name,
                None,
                confirm=not options["dry_run"],
                create_versions=options["create_versions"],
            )
        if report.file_error:
            raise CommandError(report.file_error)
        for sheet in report.sheets:
            if sheet.error:
                self.stderr.write(f"{sheet.name}: {sheet.error}")
            for row in sheet.rows:
                for error in row.errors:
                    self.stderr.write(
                        _("%(sheet)s, line %(line)s (%(label)s): %(error)s")
                        % {
                            "sheet": sheet.name,
                            "line": row.line,
                            "label": row.label,
                            "error": error,
                        }
                    )
        for line in report.summary():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("Nothing has been imported: the file has errors.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing has been written.")
