"""The uploaded file between preview and confirmation.

It waits in the media storage under its SHA-256, so that the confirmation imports exactly the
file that was previewed. The team's lists name people with their addresses: a preview nobody
confirms must not keep them for good, so files older than PREVIEW_MAX_AGE are deleted by a
beat task (and backups taken meanwhile age out with their retention).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "network_import/pending"
PREVIEW_MAX_AGE = timedelta(days=1)


def _path(sha256: str) -> str:
    return f"{FOLDER}/{sha256}"


def keep(content: bytes) -> str:
    """Keep the file for its confirmation; returns its SHA-256."""
    sha256 = hashlib.sha256(content).hexdigest()
    if not default_storage.exists(_path(sha256)):
        default_storage.save(_path(sha256), ContentFile(content))
    return sha256


def read(sha256: str) -> bytes | None:
    """The kept file, or None if it expired or is not the one with that SHA-256."""
    path = _path(sha256)
    if not sha256 or not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as stored:
        content = stored.read()
    return content if hashlib.sha256(content).hexdigest() == sha256 else None


def drop(sha256: str) -> None:
    default_storage.delete(_path(sha256))


def delete_stale() -> int:
    """Delete the kept files older than PREVIEW_MAX_AGE; returns how many."""
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - PREVIEW_MAX_AGE
    stale = [name for name in names if default_storage.get_modified_time(_path(name)) < cutoff]
    for name in stale:
        default_storage.delete(_path(name))
    return len(stale)
