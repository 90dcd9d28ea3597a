from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup.database import BackupError
from portal.backup.services import make_backup, prune


class Command(BaseCommand):
    help = (
        "Writes a backup of the database and the media files, with a manifest, into a new "
        "folder under DIR; with --keep-daily/--keep-weekly, deletes older backups there."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", type=Path, help="the folder that holds the backups")
        parser.add_argument(
            "--keep-daily", type=int, default=None, help="keep the newest backup of N days"
        )
        parser.add_argument(
            "--keep-weekly", type=int, default=None, help="keep the newest backup of N weeks"
        )

    def handle(self, *args, **options) -> None:
        daily, weekly = options["keep_daily"], options["keep_weekly"]
        if any(value is not None and value < 1 for value in (daily, weekly)):
            raise CommandError("--keep-daily and --keep-weekly must be at least 1.")
        try:
            folder = make_backup(options["dir"])
        except (BackupError, OSError) as error:
            raise CommandError(f"The backup failed, nothing was kept: {error}") from error
        self.stdout.write(f"Backup written: {folder}")
        # Only after a complete backup: a failing backup never deletes an older good one.
        if daily is not None or weekly is not None:
            for deleted in prune(options["dir"], keep_daily=daily or 0, keep_weekly=weekly or 0):
                self.stdout.write(f"Deleted (retention): {deleted}")
