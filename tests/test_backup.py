"""Backup and restore: the drill on PostgreSQL and on SQLite, and backups that must be refused.

The drill makes a world (tests/restore_drill.py), backs it up, deletes an account, drops
everything, restores, and compares what the public, a member and the database show.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from portal.backup import services
from portal.backup.database import table_names
from portal.models import Erasure, User
from portal.personal_data.erasures import read_entries
from portal.personal_data.registry import delete_account
from tests import restore_drill
from tests.factories import AffiliationFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs the PostgreSQL of scripts/test"
)


@pytest.fixture
def places(settings, tmp_path):
    """Media and the erasure log of this test, and a folder for its backups."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ERASURE_LOG_PATH = tmp_path / "erasures" / "erasures.jsonl"
    backups = tmp_path / "backups"
    backups.mkdir()
    return backups


@pytest.fixture
def restorable_database(transactional_db):
    """A test that drops the schema leaves tables behind for the flush, also when it fails."""
    yield
    if not table_names():
        call_command("migrate", verbosity=0)


def _drop_everything() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def _only_backup(backups: Path) -> Path:
    (folder,) = [path for path in backups.iterdir() if path.is_dir()]
    return folder


def _expected_after_replay(seen: dict, world: dict) -> dict:
    """The restore brings back the state of the backup and then erases the account deleted
    after it again: what was seen before the disaster, except the confirmation mail of that
    deletion, which was never in the backup."""
    expected = json.loads(json.dumps(seen))
    expected["counts"]["portal_outboundemail"] -= 1
    return expected


@on_postgresql
def test_restore_drill_on_postgresql_brings_back_everything_and_sends_nothing_twice(
    places, restorable_database
):
    world = restore_drill.make_world()
    call_command("backup_portal", str(places), stdout=StringIO())
    restore_drill.delete_after_backup(world)
    seen = restore_drill.observe(world)
    assert seen["pages"]["verification"] == [200, [world["name"], world["sha256"]]]
    assert seen["pages"]["pdf"] == [200, world["sha256"]]
    assert seen["accounts"] == {"contact": True, "gone_before": False, "gone_after": False}

    _drop_everything()
    out = StringIO()
    call_command("restore_portal", str(_only_backup(places)), stdout=out)

    restored = restore_drill.observe(world)
    expected = _expected_after_replay(seen, world)
    assert restored["pages"] == expected["pages"]
    assert restored["counts"] == expected["counts"]
    assert restored["accounts"] == expected["accounts"]
    assert restored["scheduled"] == expected["scheduled"]
    # The account deleted after the backup is erased again, and its row is back in the log.
    assert [str(world["gone_after"]), True] in restored["erasures"]
    assert not User.objects.filter(email__iexact=world["gone_after_email"]).exists()
    assert restored["outbox"] == {"sent": "sent", "queued": "queued", "in_flight": "failed"}
    assert restore_drill.deliver_everything_twice() == ["Wartet noch"]
    assert "Erased again after the restore: account" in out.getvalue()


def _run(*command: str, env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        command,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_restore_drill_on_sqlite_brings_back_everything_and_sends_nothing_twice(tmp_path):
    database = tmp_path / "var" / "portal.sqlite3"
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PORTAL_ERASURE_LOG=str(tmp_path / "erasures.jsonl"),
        DJANGO_ALLOWED_HOSTS="testserver,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
    )
    env.setdefault("DJANGO_SECRET_KEY", "drill-only-" + "k3y" * 20)
    backups = tmp_path / "backups"
    database.parent.mkdir()
    shell = (sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c")
    stage = "from tests.restore_drill import {0}; {0}(*{1!r})"
    _run(*shell, stage.format("before_disaster", (str(backups),)), env=env)
    before = json.loads((backups / "world.json").read_text())

    # A new machine: no database file, no media, only the backups and the erasure log.
    database.unlink()
    shutil.rmtree(tmp_path / "media")
    arguments = (str(backups), str(_only_backup(backups)))
    _run(*shell, stage.format("after_restore", arguments), env=env)

    after = json.loads((backups / "restored.json").read_text())
    world, seen = before["world"], before["seen"]
    expected = _expected_after_replay(seen, world)
    assert seen["pages"]["verification"] == [200, [world["name"], world["sha256"]]]
    assert "Erased again after the restore" in after["report"]
    assert after["seen"]["pages"] == expected["pages"]
    assert after["seen"]["counts"] == expected["counts"]
    assert after["seen"]["accounts"] == {"contact": True, "gone_before": False, "gone_after": False}
    assert after["seen"]["outbox"] == {"sent": "sent", "queued": "queued", "in_flight": "failed"}
    assert after["delivered"] == ["Wartet noch"]
    assert after["outbox_after_delivery"]["queued"] == "sent"


# --- Bad input -------------------------------------------------------------------------------

REPORT = b"%PDF-1.4\nBericht\n"


@pytest.fixture(scope="module")
def pristine_backup(tmp_path_factory, django_db_setup, django_db_blocker):
    """One backup of the test database with one media file, made once for the module."""
    root = tmp_path_factory.mktemp("pristine")
    Path(root, "media", "library").mkdir(parents=True)
    Path(root, "media", "library", "bericht.pdf").write_bytes(REPORT)
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=root / "media"):
        return services.make_backup(root / "backups")


@pytest.fixture
def backup(pristine_backup, tmp_path, settings, db):
    """A copy of the backup to damage, and a portal with data and files that a refused
    restore must leave as they are."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Path(settings.MEDIA_ROOT, "library").mkdir(parents=True)
    Path(settings.MEDIA_ROOT, "library", "bericht.pdf").write_bytes(b"%PDF-1.4\nneu\n")
    UserFactory(email="nachher@kommune.example")
    return shutil.copytree(pristine_backup, tmp_path / pristine_backup.name)


def _unchanged() -> bool:
    media = Path(settings.MEDIA_ROOT, "library", "bericht.pdf")
    return (
        User.objects.filter(email="nachher@kommune.example").exists()
        and media.read_bytes() == b"%PDF-1.4\nneu\n"
    )


@on_postgresql
def test_an_altered_media_file_is_refused_before_anything_is_written_naming_the_file(backup):
    (backup / "media" / "library" / "bericht.pdf").write_bytes(b"%PDF-1.4\nGefaelscht\n")
    with pytest.raises(CommandError, match=r"media/library/bericht\.pdf was changed or damaged"):
        call_command("restore_portal", str(backup), "--replace")
    assert _unchanged()


@on_postgresql
def test_a_truncated_dump_is_refused_before_anything_is_written(backup):
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-100])
    with pytest.raises(CommandError, match=r"database\.dump was changed or damaged"):
        call_command("restore_portal", str(backup), "--replace")
    assert _unchanged()


def test_a_backup_of_a_newer_version_is_refused(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["migrations"]["portal"].append("9999_from_the_future")
    (backup / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"newer version.*portal\.9999_from_the_future"):
        call_command("restore_portal", str(backup), "--replace")
    assert _unchanged()


def test_a_portal_that_is_not_empty_is_not_restored_without_replace(backup):
    with pytest.raises(CommandError, match=r"not empty \(\d+ tables in the database, 1 files in"):
        call_command("restore_portal", str(backup))
    assert _unchanged()


def test_a_full_disk_while_writing_leaves_no_backup_that_looks_complete(tmp_path, monkeypatch):
    def disk_full(target):
        target.write_bytes(b"PGDMP")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(services.database, "dump", disk_full)
    with pytest.raises(CommandError, match="No space left"):
        call_command("backup_portal", str(tmp_path), stdout=StringIO())
    assert list(tmp_path.iterdir()) == []
    assert services.complete_backups(tmp_path) == []


@on_postgresql
def test_replace_restores_over_a_portal_and_reports_a_declaration_pdf_that_lost_its_hash(
    places, restorable_database
):
    world = restore_drill.make_world()
    pdf = Path(settings.MEDIA_ROOT, f"declarations/signed/{world['code']}.pdf")
    pdf.write_bytes(b"%PDF-1.4\nnicht das Original\n")
    call_command("backup_portal", str(places), stdout=StringIO())
    UserFactory(email="nachher@kommune.example")
    err = StringIO()
    with pytest.raises(CommandError, match="Restored, but with 1 problems"):
        call_command(
            "restore_portal", str(_only_backup(places)), "--replace", stdout=StringIO(), stderr=err
        )
    assert f"Declaration {world['code']}" in err.getvalue()
    assert world["sha256"] in err.getvalue()
    assert User.objects.filter(pk=world["contact"]).exists()
    assert not User.objects.filter(email="nachher@kommune.example").exists()


@on_postgresql
def test_a_backup_of_older_code_is_migrated_forward(places, restorable_database):
    graph = MigrationLoader(None).graph
    (newest,) = graph.leaf_nodes("portal")
    (older,) = graph.node_map[newest].parents
    call_command("migrate", "portal", older.key[1], verbosity=0)
    try:
        call_command("backup_portal", str(places), stdout=StringIO())
    finally:
        call_command("migrate", "portal", verbosity=0)
    out = StringIO()
    call_command("restore_portal", str(_only_backup(places)), "--replace", stdout=out)
    assert f"Migrated forward: portal.{newest[1]}." in out.getvalue()
    assert MigrationRecorder(connection).migration_qs.filter(app="portal", name=newest[1]).exists()


def test_a_folder_that_is_no_backup_or_is_unfinished_is_refused(tmp_path, db):
    unfinished = tmp_path / "2026-12-05T020000Z.partial"
    unfinished.mkdir()
    with pytest.raises(CommandError, match="incomplete backup"):
        call_command("restore_portal", str(unfinished))
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore_portal", str(tmp_path))


# --- Retention -------------------------------------------------------------------------------


def _fake_backup(folder: Path, created: datetime.datetime) -> Path:
    path = folder / created.strftime("%Y-%m-%dT%H%M%SZ")
    path.mkdir()
    (path / "manifest.json").write_text(json.dumps({"created_at": created.isoformat()}))
    return path


def test_retention_keeps_the_newest_backup_of_14_days_and_of_8_weeks(tmp_path):
    start = datetime.datetime(2026, 6, 1, 1, 30, tzinfo=datetime.UTC)
    made = [_fake_backup(tmp_path, start + datetime.timedelta(days=n)) for n in range(120)]
    newest = _fake_backup(tmp_path, start + datetime.timedelta(days=119, hours=12))
    not_ours = tmp_path / "notes"
    not_ours.mkdir()
    stale = tmp_path / "2026-05-01T013000Z.partial"
    stale.mkdir()
    os.utime(stale, (0, 0))
    running = tmp_path / "2026-09-28T013000Z.partial"
    running.mkdir()

    services.prune(tmp_path, keep_daily=14, keep_weekly=8)

    daily = {newest, *made[-14:-1]}  # made[-1] is older than newest on the same day
    by_week: dict[tuple[int, int], Path] = {}
    for path in made:  # oldest first: the last one of a week wins
        by_week[datetime.date.fromisoformat(path.name[:10]).isocalendar()[:2]] = path
    by_week[datetime.date.fromisoformat(newest.name[:10]).isocalendar()[:2]] = newest
    weekly = {by_week[week] for week in sorted(by_week)[-8:]}
    kept = {path for path in tmp_path.iterdir() if path.name not in {"notes", running.name}}
    assert kept == daily | weekly
    assert not_ours.exists()
    assert running.exists()
    assert not stale.exists()


# --- The erasure log -------------------------------------------------------------------------


def test_deleting_an_account_logs_its_number_in_the_database_and_in_the_file_only(
    places, db, django_capture_on_commit_callbacks
):
    user = AffiliationFactory(user__email="geheim@kommune.example").user
    number = user.pk
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user)

    assert Erasure.objects.filter(model="portal.user", object_pk=str(number)).exists()
    (entry,) = read_entries()
    assert (entry.model, entry.object_pk) == ("portal.user", str(number))
    assert "geheim" not in settings.ERASURE_LOG_PATH.read_text()
