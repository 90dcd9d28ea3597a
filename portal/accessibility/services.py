"""Filing a barrier report: store it, tell the team, confirm to the reporter."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from portal.accessibility.models import ANSWER_WEEKS, BarrierReport
from portal.outbox.services import queue_email


@transaction.atomic
def file_report(*, page: str, description: str, reply_email: str, language: str) -> BarrierReport:
    report = BarrierReport.objects.create(
        page=page, description=description, reply_email=reply_email, language=language
    )
    # The team is who the reporter writes to: their text goes to the team, and only there.
    queue_email(
        "portal/barrier_report_team",
        settings.PORTAL_TEAM_EMAIL,
        {"report": report},
        language=settings.LANGUAGE_CODE,
        related=report,
    )
    if reply_email:
        # Whoever typed the address may not own it: the confirmation is fixed text and the
        # reference number, nothing of what was typed.
        queue_email(
            "portal/barrier_report_received",
            reply_email,
            {"reference": report.reference, "answer_weeks": ANSWER_WEEKS},
            language=language or settings.LANGUAGE_CODE,
            related=report,
        )
    return report
