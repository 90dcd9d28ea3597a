"""Forms of admin's own pages that several capabilities share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.copying import Offset, offset

LARGER_OFFSET = _("Please choose a larger offset.")


class CopyOffsetForm(forms.Form):
    """How far the copies of the selected records move in time: years, months and days.

    `too_early(record, offset)` says why an offset does not do for one record ("" if it does);
    the reasons stand next to the years, the first field of the offset."""

    years = forms.IntegerField(
        label=_("Years"),
        min_value=0,
        max_value=10,
        initial=1,
        help_text=_("The copies' dates move by these years, months and days, on the calendar."),
    )
    months = forms.IntegerField(label=_("Months"), min_value=0, max_value=11, initial=0)
    days = forms.IntegerField(label=_("Days"), min_value=0, max_value=366, initial=0)

    def __init__(
        self,
        *args: Any,
        records: Sequence[Any],
        too_early: Callable[[Any, Offset], str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.records = records
        self.too_early = too_early

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        by = self.offset()
        if not by:
            self.add_error("years", _("Please move the copy by at least one day."))
            return data
        for record in self.records:
            problem = self.too_early(record, by)
            if problem:
                self.add_error("years", f"{problem} {LARGER_OFFSET}")
        return data

    def offset(self) -> Offset:
        return offset(
            self.cleaned_data.get("years") or 0,
            self.cleaned_data.get("months") or 0,
            self.cleaned_data.get("days") or 0,
        )
