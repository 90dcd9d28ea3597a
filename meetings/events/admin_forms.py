"""Forms of the events' own admin pages that are not about registrations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meetings.events.copying import too_early
from meetings.events.models import Event
from portal.admin_tools.admin_forms import CopyOffsetForm


class CopyEventsForm(CopyOffsetForm):
    """The offset for copies of events: their dates and registration window move by it."""

    def __init__(self, *args: Any, events: Sequence[Event], **kwargs: Any) -> None:
        super().__init__(*args, records=events, too_early=too_early, **kwargs)
