from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup.database import BackupError
from portal.backup.services import restore_backup


class Command(BaseCommand):
    help = (
        "Restores the database and the media files from the backup folder DIR (made by "
        "backup_portal) into an empty portal, or replaces everything with --replace."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", type=Path, help="one backup folder, with its manifest.json")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the database's tables and the media files before restoring",
        )

    def handle(self, *args, **options) -> None:
        try:
            report = restore_backup(options["dir"], replace=options["replace"])
        except BackupError as error:
            raise CommandError(f"Not restored: {error}") from error
        self.stdout.write(f"Restored from {report.backup}.")
        if report.migrated:
            self.stdout.write(f"Migrated forward: {', '.join(report.migrated)}.")
        for note in report.notes:
            self.stdout.write(note)
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"Problem: {problem}")
            raise CommandError(f"Restored, but with {len(report.problems)} problems (above).")
