"""Moving people up from a waiting list: one way for the places of an event and of a session.

The caller holds the row lock of what has the places (the event or the session), so nobody
else counts them in between; the waiting row that moves up is locked too. The longest-waiting
comes first (created_at, then id), and whoever moves up is told by the caller's `notify`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

# Registration and SessionChoice: a `status` with CONFIRMED, and `confirmed_at`.
Row = TypeVar("Row", bound=models.Model)


def promote_first(
    waiting: QuerySet[Row], has_room: Callable[[], bool], notify: Callable[[Row], None]
) -> Row | None:
    """Confirm the longest-waiting row of `waiting` if `has_room()`; returns it, or None."""
    if not has_room():
        return None
    first = waiting.select_for_update(of=("self",)).order_by("created_at", "id").first()
    if first is None:
        return None
    row: Any = first  # the status field is the model's own
    row.status = row.Status.CONFIRMED
    row.confirmed_at = timezone.now()
    row.save(update_fields=["status", "confirmed_at"])
    notify(first)
    return first


def promote_while_room(
    waiting: QuerySet[Row], has_room: Callable[[], bool], notify: Callable[[Row], None]
) -> list[Row]:
    """Move waiting rows up, in their order, while there is room; returns them."""
    promoted: list[Row] = []
    while (moved_up := promote_first(waiting, has_room, notify)) is not None:
        promoted.append(moved_up)
    return promoted
