"""Celery beat's job for the network import (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from members.network_import import previews


@shared_task
def delete_stale_previews() -> int:
    return previews.delete_stale()
