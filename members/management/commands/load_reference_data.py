from django.core.management.base import BaseCommand
from django.db import transaction

from members.models import Authority, AuthorityOutline
from members.reference_data import load_authorities


class Command(BaseCommand):
    help = "Loads or refreshes the NRW local authorities and their outlines (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            counts = load_authorities(Authority, AuthorityOutline)
        self.stdout.write(
            "Authorities: {created} created, {updated} updated, {linked} linked; "
            "{outlines} outlines added.".format(**counts)
        )
