"""What a restore puts right after the database and the files are back (portal.backup.services).

- Sessions: none come back (the dump holds none; any left are deleted) and the cache, which
  also holds sessions and stored pages, is emptied: everyone logs in again.
- The outbox: a sent mail stays sent and never goes again; a waiting one goes out once (beat
  hands it over). A mail that a worker was sending at the backup's moment is not sent again
  blindly: whether the mail server took it is known nowhere (SMTP cannot tell, the backup was
  taken in between), so it is marked failed with a note, and staff decide in the outbox
  whether to send it again.
- Scheduled information e-mails, reminders and follow-ups continue by themselves: their state
  is in the database, and beat's sweeps pick them up where they stood.
- Erasures done after the backup are done again (portal.personal_data.registry.replay_erasures).
- Stored files: every file the database names must be there, and each app's own checks run
  (portal.backup.registry; e.g. the signed declarations' SHA-256).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from portal.backup.database import counted_models
from portal.backup.registry import stored_file_problems
from portal.outbox.models import OutboundEmail
from portal.personal_data.registry import replay_erasures

SENDING_NOTE = (
    "The portal was restored from a backup of {time} while this mail was being sent. "
    "Whether the mail server received it is unknown, so it is not sent again by itself: "
    "send it again if the recipient did not get it."
)


@dataclass
class Outcome:
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def settle(backup_time: datetime.datetime) -> Outcome:
    outcome = Outcome()
    Session.objects.all().delete()
    cache.clear()
    outcome.notes.append("Sessions were not restored: everyone logs in again.")
    in_flight = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING)
    count = in_flight.update(
        status=OutboundEmail.Status.FAILED,
        last_error=SENDING_NOTE.format(time=timezone.localtime(backup_time).isoformat()),
        next_attempt_at=timezone.now(),
    )
    if count:
        outcome.notes.append(
            f"{count} e-mails were being sent at the backup's time; they are marked failed "
            "for staff to check and send again in the outbox."
        )
    waiting = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).count()
    outcome.notes.append(f"{waiting} waiting e-mails go out once the worker and beat run.")
    for line in replay_erasures(backup_time):
        outcome.notes.append(f"Erased again after the restore: {line}.")
    outcome.problems.extend(missing_files())
    outcome.problems.extend(stored_file_problems())
    return outcome


def missing_files() -> list[str]:
    """Every file a row of the portal's tables names that is not in the storage."""
    problems = []
    for model in counted_models():
        names = [f.name for f in model._meta.fields if isinstance(f, models.FileField)]
        for name in names:
            storage = model._meta.get_field(name).storage  # type: ignore[union-attr]
            rows = model._default_manager.exclude(**{name: ""}).exclude(**{name: None})
            for pk, stored in rows.values_list("pk", name).iterator():
                if not storage.exists(stored):
                    problems.append(f"{model._meta.label} {pk}: the file {stored} is missing.")
    return problems
