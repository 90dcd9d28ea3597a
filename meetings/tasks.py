"""Celery beat's jobs for events: reminders before and thank-you mails after (see
CELERY_BEAT_SCHEDULE). Both are safe to run twice at once; see meetings.notices."""

from __future__ import annotations

from celery import shared_task

from meetings import notices


@shared_task
def send_event_reminders() -> int:
    return notices.send_due_reminders()


@shared_task
def send_event_followups() -> int:
    return notices.send_due_followups()
