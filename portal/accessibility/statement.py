"""What the accessibility statement says of the last check (BITV NRW: date and method).

Change the date whenever the pages are checked again; docs/quality.md lists the checks."""

from __future__ import annotations

import datetime

LAST_CHECK = datetime.date(2026, 12, 5)
