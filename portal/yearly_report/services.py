"""Requesting the yearly report.

`request_report` stores a row and queues the task on commit; a second request for the same
year and language while one is waiting or being made gets that one back instead of a second
render: the database refuses a second row in progress (the conditional unique constraint
"one_yearly_report_in_progress"), so two requests at the same moment cannot both start one.
A report left waiting for an hour is taken as lost (its worker died) and
marked failed. The work itself is in `rendering` (run by tasks.render_yearly_report).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.queueing import enqueue_on_commit
from portal.yearly_report.models import YearlyReport
from portal.yearly_report.tasks import render_yearly_report

# Longer than any render takes (the benchmark's goal is 10 s): a report waiting or being made
# for longer was lost with its worker.
STALE_AFTER = timedelta(hours=1)


def request_report(year: int, language: str, user: Any) -> tuple[YearlyReport, bool]:
    """The report for the year and language being made now, or a new one queued: (report,
    whether it is new)."""
    # A worker that died while making one must not block the year for ever.
    YearlyReport.objects.filter(
        year=year,
        language=language,
        status__in=YearlyReport.IN_PROGRESS,
        requested_at__lt=timezone.now() - STALE_AFTER,
    ).update(status=YearlyReport.Status.FAILED)
    try:
        with transaction.atomic():
            report = YearlyReport.objects.create(year=year, language=language, requested_by=user)
    except IntegrityError:
        running = YearlyReport.objects.filter(
            year=year, language=language, status__in=YearlyReport.IN_PROGRESS
        ).first()
        if running is None:  # it finished between the insert and this look-up
            return request_report(year, language, user)
        return running, False
    enqueue_on_commit(render_yearly_report, report.pk)
    return report, True
