"""The browser's own date and time pickers, for every form of the portal and of admin.

`<input type="date">` (and "time", "datetime-local") takes and sends its value in ISO form,
whatever the page's language. Django's DateInput writes a date in the active language's first
input format ("01.03.2027" in German), which a browser drops: the field comes back empty and
the next save deletes the stored date. These widgets always write ISO; the fields still read
ISO and, where a browser shows a plain text box instead of a picker, the language's own forms
(Django adds the ISO formats to every language's input formats).
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = f"{ISO_DATE}T{ISO_TIME}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATETIME)
