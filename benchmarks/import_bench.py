"""How long the preview of a 500-row network import takes (goal: at most 3 seconds).

    DJANGO_SETTINGS_MODULE=portal.settings python benchmarks/import_bench.py [--runs N]

Builds a workbook in memory with 400 members (each with two people) and 100 signatures of
the current version, all new to the database, and times `run_import` as the admin page's
preview calls it (nothing is written). Prints the median and the slowest run in seconds.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

GOAL_SECONDS = 3.0


def workbook() -> bytes:
    from openpyxl import Workbook

    from declarations.models import DeclarationVersion
    from members.models import Authority

    towns = list(
        Authority.objects.exclude(kind="Regierungsbezirk")
        .order_by("ags")
        .values_list("ags", "name")[:400]
    )
    label = DeclarationVersion.objects.get(is_current=True).label
    book = Workbook()
    members = book.worksheets[0]  # a new workbook has this one sheet
    members.title = "Mitglieder"
    members.append(
        [
            "AGS",
            "Kommune",
            "Mitglied seit",
            "Ausgetreten am",
            "Austrittsgrund",
            "Ansprechperson",
            "Ansprechperson E-Mail",
            "Telefon",
            "Verwaltungsspitze",
            "Amt",
            "Verwaltungsspitze E-Mail",
        ]
    )
    for number, (ags, name) in enumerate(towns):
        members.append(
            [
                ags,
                name,
                "06.12.2017",
                "",
                "",
                f"Person {number}",
                f"kontakt{number}@k.example",
                "0000",
                f"Spitze {number}",
                "Bürgermeisterin",
                f"spitze{number}@k.example",
            ]
        )
    signatures = book.create_sheet("Unterzeichnungen")
    signatures.append(
        ["AGS", "Kommune", "Fassung", "unterzeichnet am", "Unterzeichnet von", "Amt", "Ort"]
    )
    for ags, name in towns[:100]:
        signatures.append([ags, name, label, "01.06.2026", "Spitze", "Bürgermeisterin", name])
    book.create_sheet("Partner").append(["Partner", "Fassung", "unterzeichnet am"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from members.network_import.services import run_import

    content = workbook()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        report = run_import(content, "bench.xlsx", None)
        times.append(time.perf_counter() - start)
        rows = sum(len(sheet.rows) for sheet in report.sheets)
        assert rows == 500, report.summary()
        assert report.ok, report.summary()
    median = statistics.median(times)
    print(
        f"500-row preview: median {median:.2f} s, slowest {max(times):.2f} s "
        f"(goal {GOAL_SECONDS:.0f} s)"
    )
    return 0 if median <= GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
