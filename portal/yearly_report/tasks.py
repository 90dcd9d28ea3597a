"""The task that makes a yearly report in the worker (queued by services.request_report)."""

from __future__ import annotations

from celery import shared_task

from portal.yearly_report.rendering import make_report


@shared_task(acks_late=True)
def render_yearly_report(report_id: int) -> None:
    make_report(report_id)
