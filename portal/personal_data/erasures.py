"""The log of erasures, kept twice: as rows of Erasure in the database (staff see them, and
they are in every backup) and as lines of an append-only file outside the database
(settings.ERASURE_LOG_PATH).

A restore brings the database back to the backup's time, erasure log included: an account
deleted after the backup would be back with all its personal data. The file is not part of
any backup, so it still knows that erasure, and the restore does it again
(portal.personal_data.registry.replay_erasures).

A line is written only after the deletion committed: a line for a deletion that was rolled
back would erase an account whose owner never asked for it. Each line is a JSON object with
the model's label, the record's number and the time, nothing personal.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from portal.personal_data.models import Erasure

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    model: str
    object_pk: str
    erased_at: datetime.datetime


def log_path() -> Path:
    return Path(settings.ERASURE_LOG_PATH)


def record(instance: models.Model) -> Erasure:
    """Log that the personal data of `instance` was erased, in the running transaction; the
    file gets its line once that transaction has committed."""
    erasure = Erasure.objects.create(
        model=instance._meta.label_lower, object_pk=str(instance.pk), erased_at=timezone.now()
    )
    entry = Entry(erasure.model, erasure.object_pk, erasure.erased_at)
    transaction.on_commit(lambda: append(entry))
    return erasure


def append(entry: Entry) -> None:
    line = json.dumps(
        {"model": entry.model, "pk": entry.object_pk, "erased_at": entry.erased_at.isoformat()},
        sort_keys=True,
    )
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode, then fsync: a crash leaves at most a broken
        # last line, which read_entries skips.
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        # The erasure itself has happened and is in the database's log; only a restore from
        # an older backup would miss it. Loud, so that the operator adds the line by hand.
        logger.exception("Could not append to the erasure log %s: %s", path, line)


def read_entries(path: Path | None = None) -> list[Entry]:
    """The file's entries in their order; a line that is not a complete entry is skipped with
    a warning (a crash in the middle of a write)."""
    path = path or log_path()
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entry = Entry(
                str(data["model"]),
                str(data["pk"]),
                datetime.datetime.fromisoformat(data["erased_at"]),
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("Erasure log %s, line %s is not an entry; skipped.", path, number)
            continue
        entries.append(entry)
    return entries
