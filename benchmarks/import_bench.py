"""How long the preview of a 500-row network import takes (goal: at most 3 seconds).

    DJANGO_SETTINGS_MODULE=portal.settings python benchmarks/import_bench.py [--runs N]
        [--into RESULTS]

Builds a workbook in memory with 400 members (each with two people) and 100 signatures of
the current version, and times `run_import` as the admin page's preview calls it (nothing is
written). Prints the median and the slowest run in seconds. The signatures are of
municipalities that have not signed that version, so that no row is refused; members the
database has already (the demo's, in benchmarks/run) are changed rows.

benchmarks/run calls it with --into: it appends one row in the shape report.py reads from wrk
("req/s" is previews per second, p50/p95/p99 the percentiles of the runs' times) with
`goal_seconds`, and leaves the verdict to the table; alone it exits 1 when the median misses
the goal.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import statistics
import sys
import time
from pathlib import Path

GOAL_SECONDS = 3.0


def workbook() -> bytes:
    from openpyxl import Workbook

    from declarations.models import DeclarationVersion, Signature
    from members.models import Authority

    towns = list(
        Authority.objects.exclude(kind="Regierungsbezirk")
        .order_by("ags")
        .values_list("ags", "name")[:400]
    )
    version = DeclarationVersion.objects.get(is_current=True)
    signed = set(
        Signature.objects.valid()
        .filter(version=version)
        .values_list("organisation__authority__ags", flat=True)
    )
    if len([ags for ags, _ in towns if ags not in signed]) < 100:
        # At the network's full size nearly everybody has signed the current version: the
        # rows then sign an earlier, historical one, as the team's paper signatures do. main()
        # rolls it back with everything else.
        version, _ = DeclarationVersion.objects.get_or_create(
            label="Bench 2012",
            defaults={
                "title": "Gemeinsame Erklärung (Benchmark)",
                "body": "Text",
                "published_on": datetime.date(2012, 6, 1),
                "is_historical": True,
            },
        )
        signed = set()
    label = version.label
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
    for ags, name in [town for town in towns if town[0] not in signed][:100]:
        signatures.append([ags, name, label, "01.06.2026", "Spitze", "Bürgermeisterin", name])
    book.create_sheet("Partner").append(["Partner", "Fassung", "unterzeichnet am"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--into", help="append the row to this JSON lines file")
    args = parser.parse_args()
    if args.runs < 2:
        sys.exit("--runs must be at least 2")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.db import transaction

    from members.network_import.services import run_import

    times = []
    with transaction.atomic():
        content = workbook()
        for _ in range(args.runs):
            start = time.perf_counter()
            report = run_import(content, "bench.xlsx", None)
            times.append(time.perf_counter() - start)
            rows = sum(len(sheet.rows) for sheet in report.sheets)
            assert rows == 500, report.summary()
            assert report.ok, report.summary()
        transaction.set_rollback(True)  # nothing of the benchmark's own stays
    median = statistics.median(times)
    print(
        f"500-row preview: median {median:.2f} s, slowest {max(times):.2f} s "
        f"(goal {GOAL_SECONDS:.0f} s)"
    )
    if args.into:
        with Path(args.into).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(result_row(times)) + "\n")
        return 0
    return 0 if median <= GOAL_SECONDS else 1


def result_row(seconds: list[float]) -> dict[str, object]:
    """The run's row for report.py, in milliseconds as the pages' rows."""
    times = [s * 1000 for s in seconds]
    quantiles = statistics.quantiles(times, n=100, method="inclusive")
    median = statistics.median(times)
    return {
        "page": "import-preview",
        "path": "members.network_import.services.run_import (500 rows)",
        "user": None,
        "rps": 1000 / median,
        "p50_ms": median,
        "p95_ms": quantiles[94],
        "p99_ms": quantiles[98],
        "non_2xx_3xx": 0,
        "socket_errors": 0,
        "kind": "import",
        "runs": len(times),
        "goal_seconds": GOAL_SECONDS,
    }


if __name__ == "__main__":
    raise SystemExit(main())
