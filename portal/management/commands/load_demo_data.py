from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.demo import DEMO_PASSWORD, loaders


class Command(BaseCommand):
    help = "Creates the demo accounts and content listed in README.md (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load also with DEBUG off (benchmarks)."
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            # Known passwords must never reach a production database by accident.
            raise CommandError("Demo data is only loaded with DJANGO_DEBUG=true (or --force).")
        with transaction.atomic():
            for load in loaders():
                load()
        self.stdout.write(
            f"Demo data ready; every demo account has the password {DEMO_PASSWORD!r}."
        )
