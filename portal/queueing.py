"""Handing tasks to Celery once the transaction is committed, without failing the request.

A worker must never look for a row that is not committed yet, so tasks are queued on commit.
If the broker (Redis) cannot be reached at that moment, the work is already safe in
PostgreSQL: a mail waits as a queued row that `requeue_unsent_emails` hands over again
every five minutes, a PDF is rendered when it is first asked for. So the request still
succeeds; the failure is logged and the row is picked up once Redis is back.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any) -> None:
    transaction.on_commit(partial(_enqueue, task, args))


def _enqueue(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.delay(*args)
    except (OperationalError, OSError):
        logger.warning(
            "The broker cannot be reached: %s%r waits for the next sweep", task.name, args
        )
