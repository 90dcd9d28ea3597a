"""Checks of stored files that a restore runs at its end, registered by the apps that know the
files (portal must not import them): e.g. declarations checks that every signed PDF still has
the SHA-256 its verification page vouches for.

A check `() -> Iterable[str]` yields one sentence per problem, naming the record and the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

StoredFileCheck = Callable[[], Iterable[str]]

_checks: list[StoredFileCheck] = []


def register_stored_file_check(check: StoredFileCheck) -> StoredFileCheck:
    if check not in _checks:
        _checks.append(check)
    return check


def stored_file_problems() -> list[str]:
    return [problem for check in _checks for problem in check()]
