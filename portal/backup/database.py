"""The database's part of a backup, for the two engines the portal runs on.

PostgreSQL: pg_dump in its custom format, in one snapshot that the migration state and the
counts of the manifest are read in too (pg_export_snapshot), restored with pg_restore in one
transaction. The connection comes from the settings; the password goes through PGPASSWORD,
never on a command line that `ps` shows.

SQLite (the embedded mode): the online backup API of sqlite3, which copies a consistent state
of the live database page by page; a file copy of a live database may catch it half written.

Sessions are never part of a backup: the dump leaves out the rows of django_session, the
SQLite copy is emptied of them, so a restore logs everyone out.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump and pg_restore, with argument lists, never a shell
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connections, transaction
from django.db.models import Model

SESSION_TABLE = "django_session"
# The apps whose tables the manifest counts: the portal's own and allauth's accounts.
COUNTED_APPS = ("portal", "members", "declarations", "meetings", "account", "mfa")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class DatabaseState:
    """What the manifest records of the database, read in the dump's own snapshot."""

    migrations: dict[str, list[str]]
    counts: dict[str, int]


def connection():
    return connections["default"]


def vendor() -> str:
    return str(connection().vendor)


def dump_name() -> str:
    return "database.dump" if vendor() == "postgresql" else "database.sqlite3"


def counted_models() -> list[type[Model]]:
    return [
        model
        for config in apps.get_app_configs()
        if config.label in COUNTED_APPS
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy
    ]


def counted_tables() -> list[str]:
    return sorted({model._meta.db_table for model in counted_models()})


def _read_state(
    execute: Callable[[str], list[tuple[Any, ...]]], present: set[str]
) -> DatabaseState:
    applied: dict[str, list[str]] = {}
    if "django_migrations" in present:
        for app, name in execute("SELECT app, name FROM django_migrations ORDER BY id"):
            applied.setdefault(app, []).append(name)
    counts = {}
    for table in counted_tables():
        if table in present:
            # Table names come from the models, never from input.
            counts[table] = int(execute(f'SELECT COUNT(*) FROM "{table}"')[0][0])  # noqa: S608
    return DatabaseState(migrations=applied, counts=counts)


def _executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed. The PostgreSQL client tools of the server's major "
            "version are needed (the portal's Docker image has them)."
        )
    return path


def _pg_environment() -> dict[str, str]:
    settings = connection().settings_dict
    environment = dict(os.environ)
    values = {
        "PGHOST": settings.get("HOST"),
        "PGPORT": settings.get("PORT"),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGDATABASE": settings.get("NAME"),
        "PGSSLMODE": (settings.get("OPTIONS") or {}).get("sslmode"),
    }
    environment.update({key: str(value) for key, value in values.items() if value})
    return environment


def _run(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 # nosec B603 # fixed programs, arguments are no shell
        command, env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        program = Path(command[0]).name
        raise BackupError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")


# --- Backing up -----------------------------------------------------------------------------


def dump(target: Path) -> DatabaseState:
    """Write the database to `target`; returns its migration state and counts, as of the
    very moment the dump shows."""
    if vendor() == "postgresql":
        return _dump_postgresql(target)
    if vendor() == "sqlite":
        return _dump_sqlite(target)
    raise BackupError(f"The database engine {vendor()!r} is not supported.")


def _dump_postgresql(target: Path) -> DatabaseState:
    pg_dump = _executable("pg_dump")
    db = connection()
    db.ensure_connection()
    with transaction.atomic(), db.cursor() as cursor:
        # Must be the transaction's first statement; the snapshot lives as long as it does.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]

        def execute(sql: str) -> list[tuple[Any, ...]]:
            cursor.execute(sql)
            return list(cursor.fetchall())

        state = _read_state(execute, set(db.introspection.table_names(cursor)))
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--exclude-table-data={SESSION_TABLE}",
                f"--file={target}",
            ]
        )
    return state


def _dump_sqlite(target: Path) -> DatabaseState:
    source = sqlite3.connect(connection().settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        present = {
            row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if SESSION_TABLE in present:
            copy.execute(f"DELETE FROM {SESSION_TABLE}")  # noqa: S608 - a constant name
            copy.commit()
            # Leaves no trace of the deleted sessions in free pages of the file.
            copy.execute("VACUUM")

        def execute(sql: str) -> list[tuple[Any, ...]]:
            return list(copy.execute(sql).fetchall())

        return _read_state(execute, present)
    finally:
        copy.close()
        source.close()


# --- Restoring ------------------------------------------------------------------------------


def table_names() -> list[str]:
    with connection().cursor() as cursor:
        return list(connection().introspection.table_names(cursor))


def current_state() -> DatabaseState:
    db = connection()
    with db.cursor() as cursor:

        def execute(sql: str) -> list[tuple[Any, ...]]:
            cursor.execute(sql)
            return list(cursor.fetchall())

        return _read_state(execute, set(db.introspection.table_names(cursor)))


def load(source: Path, *, replace: bool) -> None:
    """Load the dump into the database, which must be empty unless `replace`."""
    if vendor() == "postgresql":
        _load_postgresql(source, replace=replace)
    else:
        _load_sqlite(source)
    # Cached rows (content types) and open connections belong to the database that is gone.
    connections.close_all()
    apps.get_model("contenttypes", "ContentType").objects.clear_cache()


def _load_postgresql(source: Path, *, replace: bool) -> None:
    pg_restore = _executable("pg_restore")
    if replace:
        db = connection()
        with db.cursor() as cursor:
            # Everything of the portal lives in the public schema; what a newer version added
            # goes too, which pg_restore --clean would leave behind.
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        db.close()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection().settings_dict['NAME']}",
            str(source),
        ]
    )


def _load_sqlite(source: Path) -> None:
    connections.close_all()
    # backup() makes the destination a page-for-page copy, whatever it held before.
    copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(connection().settings_dict["NAME"])
    try:
        copy.backup(target)
    finally:
        target.close()
        copy.close()
