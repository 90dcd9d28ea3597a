from django.core.management.base import BaseCommand
from django.db import transaction

from members.reference.data import load_authorities
from members.reference.models import Authority, AuthorityOutline


class Command(BaseCommand):
    help = "Loads or refreshes the NRW local authorities and their outlines (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            counts = load_authorities(Authority, AuthorityOutline)
        self.stdout.write(
            "Authorities: {created} created, {updated} updated, {linked} linked; "
            "{outlines} outlines added.".format(**counts)
        )
