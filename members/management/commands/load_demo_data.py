"""Demo accounts and a little content, so that a newcomer can look around at once.

Idempotent: running it again changes nothing but resets the demo passwords.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.models import Affiliation, Authority, Organisation
from portal.models import User

DEMO_PASSWORD = "Demo-Passwort-2026"  # noqa: S105 - documented demo login, never in production

# (e-mail, full name, staff?, AGS of the municipality, role, office)
DEMO_PEOPLE = [
    ("team@kommunen-netzwerk.example", "Nora Netzwerk", True, None, None, ""),
    (
        "engagement@muenster.example",
        "Emma Engagement",
        False,
        "05515000",
        Affiliation.Role.CONTACT,
        "Koordinierungsstelle Bürgerschaftliches Engagement",
    ),
    (
        "buergermeisterin@muenster.example",
        "Dr. Berta Bürgermeisterin",
        False,
        "05515000",
        Affiliation.Role.HEAD,
        "Oberbürgermeisterin",
    ),
    (
        "kollege@muenster.example",
        "Karl Kollege",
        False,
        "05515000",
        Affiliation.Role.COLLEAGUE,
        "Freiwilligenagentur",
    ),
    (
        "engagement@kreis-guetersloh.example",
        "Gül Gütersloh",
        False,
        "05754000",
        Affiliation.Role.CONTACT,
        "Ehrenamtsbüro des Kreises",
    ),
]


class Command(BaseCommand):
    help = "Creates the demo accounts listed in README.md (idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options.get("force"):
            # Known passwords must never reach a production database by accident.
            raise CommandError("Demo data is only loaded with DJANGO_DEBUG=true (or --force).")
        with transaction.atomic():
            for email, name, staff, ags, role, office in DEMO_PEOPLE:
                user = self._user(email, name, staff)
                if ags:
                    organisation = self._organisation(ags)
                    Affiliation.objects.update_or_create(
                        user=user,
                        defaults={"organisation": organisation, "role": role, "office": office},
                    )
        self.stdout.write(
            f"Demo data ready: {len(DEMO_PEOPLE)} accounts, password {DEMO_PASSWORD!r}."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load also with DEBUG off (benchmarks)."
        )

    @staticmethod
    def _user(email: str, name: str, staff: bool) -> User:
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name})
        user.full_name = name
        user.is_staff = user.is_superuser = staff
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    @staticmethod
    def _organisation(ags: str) -> Organisation:
        try:
            authority = Authority.objects.get(ags=ags)
        except Authority.DoesNotExist:
            raise CommandError(
                f"Authority {ags} is missing: run manage.py migrate first."
            ) from None
        organisation, _ = Organisation.objects.get_or_create(authority=authority)
        return organisation
