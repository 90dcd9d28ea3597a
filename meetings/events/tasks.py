"""Celery beat's jobs for events: reminders before and thank-you mails after, and deleting
guests' requests that were never confirmed (see CELERY_BEAT_SCHEDULE). All are safe to run
twice at once; see meetings.events.notices."""

from __future__ import annotations

from celery import shared_task

from meetings.events import notices, services


@shared_task
def send_event_reminders() -> int:
    return notices.send_due_reminders()


@shared_task
def send_event_followups() -> int:
    return notices.send_due_followups()


@shared_task
def delete_unconfirmed_guests() -> int:
    return services.delete_unconfirmed_guests()
