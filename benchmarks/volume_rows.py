"""Single rows of the benchmark's volume (benchmarks/volume.py): an account and an application,
built in memory for bulk_create. Apart from volume.py so that each module stays under 500 lines.
Django's models are imported inside the functions: the script sets Django up first."""

from __future__ import annotations

import datetime
import random


def user_row(run: str, index: int, password: str):
    from portal.models import User

    return User(
        email=f"person{index}@bench.{run}.example",
        full_name=f"Person {index}",
        language="de",
        password=password,
    )


def application_row(
    organisation, created_by, status, rng: random.Random, now: datetime.datetime, history_days: int
):
    from members.models import Application

    submitted = now - datetime.timedelta(days=rng.randint(10, history_days + 100))
    return Application(
        organisation=organisation,
        created_by=created_by,
        status=status,
        contact_name="Erika Engagiert",
        contact_office="Koordinierungsstelle Ehrenamt",
        contact_email="erika@kommune.example",
        cross_cutting_task="Die Engagementförderung ist Querschnittsaufgabe im ganzen Haus.",
        willing_to_sign=True,
        ehrenamtskarte_status=Application.EhrenamtskarteStatus.PARTICIPATING,
        commits_to_participate=True,
        submitted_at=None if status == Application.Status.DRAFT else submitted,
        decided_at=submitted + datetime.timedelta(days=30)
        if status in (Application.Status.APPROVED, Application.Status.REJECTED)
        else None,
    )
