"""Back up the whole portal into one folder, and restore it from there.

A backup is a folder `DIR/<UTC time>/` with

- `database.dump` (PostgreSQL, pg_dump's custom format) or `database.sqlite3` (SQLite),
- `media/…`, a copy of every file under MEDIA_ROOT,
- `manifest.json`: the portal's version, the applied migrations, the time, the row counts of
  the portal's tables and the SHA-256 and size of every other file of the folder.

It is written as `<time>.partial/` and renamed when complete, so a backup that failed half
way (e.g. the disk ran full) never looks like one. The database goes first, the files after
it: a file made in between is only one more file; a file the database names is there.

A restore first reads the manifest and checks every file against it, and refuses a backup
made by newer code, before it writes anything. It then loads the database, copies the files,
migrates forward, and puts the things right that must not come back as they were (see
`portal.backup.restored`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess  # nosec B404 # only `git rev-parse`, with an argument list
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from portal.backup import database
from portal.backup.database import BackupError
from portal.backup.restored import settle

MANIFEST = "manifest.json"
FORMAT = 1
PARTIAL = ".partial"
CHUNK = 1024 * 1024


@dataclass
class RestoreReport:
    backup: Path
    migrated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --- Versions -------------------------------------------------------------------------------


def portal_version() -> dict[str, str | None]:
    base = Path(settings.BASE_DIR)
    with (base / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    commit = None
    git = shutil.which("git")
    if git and (base / ".git").exists():
        result = subprocess.run(  # noqa: S603 # nosec B603 # a fixed git command, no shell
            [git, "-C", str(base), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        commit = result.stdout.strip() or None if result.returncode == 0 else None
    return {"version": version, "commit": commit}


def known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --- Files ----------------------------------------------------------------------------------


def _copy(source: Path, target: Path) -> dict[str, Any]:
    """Copy one file and return the SHA-256 and size of what was written."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copystat(source, target)
    return {"sha256": digest.hexdigest(), "size": size}


def _describe(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _files_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _fsync_folder(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Backing up -----------------------------------------------------------------------------


def _new_folder(target: Path, now: datetime.datetime) -> tuple[Path, Path]:
    stamp = now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    name, number = stamp, 1
    while (target / name).exists() or (target / f"{name}{PARTIAL}").exists():
        number += 1
        name = f"{stamp}-{number}"
    return target / name, target / f"{name}{PARTIAL}"


def make_backup(target: Path) -> Path:
    """Write a complete backup into a new folder under `target` and return its path."""
    target.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    final, partial = _new_folder(target, started)
    partial.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        dump = partial / database.dump_name()
        state = database.dump(dump)
        files[dump.name] = _describe(dump)
        media = Path(settings.MEDIA_ROOT)
        for path in _files_under(media):
            name = PurePosixPath("media", *path.relative_to(media).parts)
            files[str(name)] = _copy(path, partial / name)
        manifest = {
            "format": FORMAT,
            "portal": portal_version(),
            "created_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "database": {"engine": database.vendor(), "file": dump.name},
            "migrations": state.migrations,
            "counts": state.counts,
            "sessions": "not included",
            "files": files,
        }
        with (partial / MANIFEST).open("w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_folder(partial)
        partial.rename(final)
        _fsync_folder(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


# --- Keeping backups ------------------------------------------------------------------------


def complete_backups(target: Path) -> list[tuple[datetime.datetime, Path]]:
    """The complete backups under `target`, newest first (folders without a readable
    manifest are not backups of ours and are left alone)."""
    found = []
    for folder in target.iterdir() if target.is_dir() else ():
        if not folder.is_dir() or folder.name.endswith(PARTIAL):
            continue
        try:
            created = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["created_at"]
            found.append((datetime.datetime.fromisoformat(created), folder))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, reverse=True)


def prune(target: Path, *, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Delete the backups that neither the newest one of each of the last `keep_daily` days
    nor the newest one of each of the last `keep_weekly` ISO weeks, and leftovers of backups
    that failed over a day ago. Returns what was deleted."""
    keep: set[Path] = set()
    days: list[datetime.date] = []
    weeks: list[tuple[int, int]] = []
    for created, folder in complete_backups(target):
        day = timezone.localtime(created).date()
        week = day.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(folder)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(folder)
    deleted = [folder for _created, folder in complete_backups(target) if folder not in keep]
    stale = timezone.now() - datetime.timedelta(days=1)
    for folder in target.glob(f"*{PARTIAL}"):
        modified = datetime.datetime.fromtimestamp(folder.stat().st_mtime, tz=datetime.UTC)
        if folder.is_dir() and modified < stale:
            deleted.append(folder)
    for folder in deleted:
        shutil.rmtree(folder)
    return deleted


# --- Checking a backup ----------------------------------------------------------------------


def _inside(root: Path, name: str) -> Path:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BackupError(f"The manifest names a file outside the backup: {name!r}.")
    return root.joinpath(*relative.parts)


def read_manifest(folder: Path) -> dict[str, Any]:
    if folder.name.endswith(PARTIAL):
        raise BackupError(f"{folder} is an incomplete backup (it was never finished).")
    path = folder / MANIFEST
    if not path.is_file():
        others = ", ".join(str(found) for _created, found in complete_backups(folder)[:5])
        hint = f" Backups in it: {others}." if others else ""
        raise BackupError(f"{path} is missing: {folder} is not a backup folder.{hint}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["created_at"] = datetime.datetime.fromisoformat(manifest["created_at"])
        if manifest["format"] != FORMAT or not isinstance(manifest["files"], dict):
            raise ValueError("unknown format")
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{path} is damaged or of an unknown format ({error}).") from error
    return manifest


def check_backup(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse the backup if it does not fit this code and database or any file differs from
    the manifest. Reads only."""
    engine = manifest.get("database", {}).get("engine")
    if engine != database.vendor():
        raise BackupError(
            f"The backup holds a {engine} database; this portal runs on {database.vendor()}."
        )
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(applied - known_migrations())
    if unknown:
        portal = manifest.get("portal", {})
        raise BackupError(
            "The backup was made by a newer version of the portal "
            f"({portal.get('version')}, commit {portal.get('commit') or 'unknown'}): this code "
            f"does not know its migrations {', '.join(f'{a}.{n}' for a, n in unknown)}. "
            "Restore it with that version or a newer one."
        )
    listed = set(manifest["files"])
    if manifest["database"]["file"] not in listed:
        raise BackupError("The manifest lists no database file.")
    for name, expected in sorted(manifest["files"].items()):
        path = _inside(folder, name)
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {path} is missing.")
        found = _describe(path)
        if found["size"] != expected.get("size") or found["sha256"] != expected.get("sha256"):
            raise BackupError(
                f"{path} was changed or damaged since the backup: its SHA-256 is "
                f"{found['sha256']} ({found['size']} bytes), the manifest says "
                f"{expected.get('sha256')} ({expected.get('size')} bytes)."
            )
    strays = [
        str(path)
        for path in _files_under(folder)
        if path.relative_to(folder).as_posix() not in listed | {MANIFEST}
    ]
    if strays:
        raise BackupError(f"Files not in the manifest: {', '.join(strays)}.")


def check_target_is_empty() -> None:
    tables = database.table_names()
    media = Path(settings.MEDIA_ROOT)
    files = list(_files_under(media))
    if tables or files:
        found = [f"{len(tables)} tables in the database"] if tables else []
        found += [f"{len(files)} files in {media}"] if files else []
        raise BackupError(
            f"The portal is not empty ({', '.join(found)}). A restore replaces everything in "
            "it: run it with --replace if that is what you want."
        )


# --- Restoring ------------------------------------------------------------------------------


def _clear_media(media: Path) -> None:
    if not media.is_dir():
        return
    for child in media.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def restore_backup(folder: Path, *, replace: bool = False) -> RestoreReport:
    """Restore the portal from the backup in `folder`; see the module's description."""
    manifest = read_manifest(folder)
    check_backup(folder, manifest)
    if not replace:
        check_target_is_empty()
    report = RestoreReport(backup=folder)
    # Nothing was written up to here.
    database.load(folder / manifest["database"]["file"], replace=replace)
    counts = database.current_state().counts
    for table, expected in sorted(manifest["counts"].items()):
        if counts.get(table) != expected:
            report.problems.append(
                f"Table {table}: {counts.get(table)} rows after the restore, {expected} in "
                "the backup."
            )
    media = Path(settings.MEDIA_ROOT)
    if replace:
        _clear_media(media)
    for name in sorted(manifest["files"]):
        if name.startswith("media/"):
            relative = PurePosixPath(name).relative_to("media")
            _copy(_inside(folder, name), _inside(media, str(relative)))
    recorder = MigrationRecorder(connections["default"])
    before = set(recorder.applied_migrations())
    # A backup of older code gets the newer migrations; of the same code, nothing happens.
    call_command("migrate", interactive=False, verbosity=0)
    report.migrated = [f"{a}.{n}" for a, n in sorted(set(recorder.applied_migrations()) - before)]
    outcome = settle(manifest["created_at"])
    report.notes.extend(outcome.notes)
    report.problems.extend(outcome.problems)
    return report
