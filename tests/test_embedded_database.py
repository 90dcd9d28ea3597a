"""The embedded mode's SQLite holds when a small team writes at once (issue 17, item 12).

50 parallel registrations on the README's set-up once gave 46 times "database is locked": a
transaction that reads first (are places left?) and writes afterwards was refused the write
lock at once whenever another transaction was writing. The check runs the embedded settings
themselves, as `scripts/dev` starts them (no DATABASE_URL, a fresh file under PORTAL_VAR_DIR),
in a process of their own, away from the tests' PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKERS = 16
ROUNDS = 5

# Each thread waits at the barrier, then writes ROUNDS transactions that read before they write,
# through Django's ORM with a connection of its own, as runserver's threads do.
SCRIPT = """
import json, sys, threading
import django
django.setup()
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.utils import timezone

workers, rounds = int(sys.argv[1]), int(sys.argv[2])
with connection.schema_editor() as editor:
    editor.create_model(Session)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy_timeout = cursor.fetchone()[0]
connection.close()

barrier = threading.Barrier(workers)
errors = []

def work(number):
    try:
        barrier.wait()
        for turn in range(rounds):
            with transaction.atomic():
                seen = Session.objects.count()
                Session.objects.create(
                    session_key=f"{number}-{turn}", session_data=str(seen),
                    expire_date=timezone.now(),
                )
    except Exception as error:
        errors.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=work, args=(number,)) for number in range(workers)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({
    "errors": errors,
    "rows": Session.objects.count(),
    "journal": journal,
    "busy_timeout": busy_timeout,
}))
"""


def run_embedded(tmp_path: Path) -> dict:
    env = {
        "PATH": os.environ["PATH"],
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-c", SCRIPT, str(WORKERS), str(ROUNDS)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_small_team_writing_at_once_never_finds_the_embedded_database_locked(tmp_path):
    outcome = run_embedded(tmp_path)

    assert outcome["errors"] == []
    assert outcome["rows"] == WORKERS * ROUNDS
    assert outcome["journal"] == "wal"
    assert outcome["busy_timeout"] >= 10_000
    assert (tmp_path / "portal.sqlite3").exists()
