"""Copying a record as the start of the next one (events, surveys, information e-mails).

Each capability copies its own rows and says what it leaves behind; this module holds what they
share: Django's documented way to copy a row as a new one, and moving its dates by an offset
of years, months and days on the calendar (dateutil's relativedelta, as calendars count).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TypeAlias, TypeVar

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils import timezone

ModelT = TypeVar("ModelT", bound=models.Model)
# Years, months and days as a calendar counts them (31 January + 1 month = 28/29 February).
Offset: TypeAlias = relativedelta


def offset(years: int = 0, months: int = 0, days: int = 0) -> Offset:
    return relativedelta(years=years, months=months, days=days)


def shifted(moment: datetime | None, by: Offset) -> datetime | None:
    """`moment` moved by calendar years, months and days at the same local time of day: a
    meeting at 10:00 in summer is at 10:00 in winter too, whatever the UTC offset."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    return timezone.make_aware(local.replace(tzinfo=None) + by, local.tzinfo)


def unsaved_copy(obj: ModelT, **changes: object) -> ModelT:
    """A new, unsaved row with `obj`'s field values and `changes`: no primary key and in the
    adding state, as Django's documentation copies instances. Relations pointing at `obj`
    (its rows of other tables) are not copied; callers copy those they want explicitly."""
    duplicate = copy.copy(obj)  # Model.__getstate__ gives the copy a state of its own
    duplicate.pk = None
    duplicate._state.adding = True
    duplicate._state.fields_cache = {}
    duplicate.__dict__.pop("_prefetched_objects_cache", None)
    for name, value in changes.items():
        setattr(duplicate, name, value)
    return duplicate
