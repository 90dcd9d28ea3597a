"""The demo data brings the sample list in, as staff would at launch (members.demo runs first)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import CommandError

from members.network_import.services import run_import
from portal.demo import register_demo
from portal.models import User

SAMPLE = Path(__file__).resolve().parent / "sample" / "Netzwerk-Beispiel.xlsx"


@register_demo(order=30)
def load_network_sample() -> None:
    staff = User.objects.filter(email="team@kommunen-netzwerk.example").first()
    report = run_import(SAMPLE.read_bytes(), SAMPLE.name, staff, confirm=True, create_versions=True)
    if not report.ok:
        problems = report.file_error or "; ".join(
            f"{sheet.name} {row.line}: {' '.join(row.errors)}"
            for sheet in report.sheets
            for row in sheet.rows
            if row.errors
        )
        raise CommandError(f"The sample import failed: {problems}")
