from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from portal.outbox.services import queue_email


class Command(BaseCommand):
    help = "Queues a test e-mail through the outbox, to check the mail server settings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("recipient")
        parser.add_argument("--language", default="de", choices=["de", "en"])

    def handle(self, *args, **options) -> None:
        try:
            validate_email(options["recipient"])
        except ValidationError:
            raise CommandError(f"Not an e-mail address: {options['recipient']!r}") from None
        email = queue_email("test_message", options["recipient"], {}, language=options["language"])
        self.stdout.write(f"Queued e-mail {email.pk}; its status is shown in the admin outbox.")
