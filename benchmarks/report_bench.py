"""How long the yearly report takes to make in the worker, at the network's size.

    report_bench.py [--year YEAR] [--runs N] [--into RESULTS]

benchmarks/run calls it (BENCH_PAGES=report) after the data are loaded, with the run's database
and settings. In one process it does what the task portal.yearly_report.tasks.render_yearly_report
does, except storing the files: it collects every section of the year (the year with the most
events that began, unless --year), renders the PDF and writes the spreadsheet, N times, and
prints the median against the goal of 10 s. The first run includes loading WeasyPrint and the
fonts, as a fresh worker process would; it counts.

With --into it appends one JSON line in the shape report.py reads ("req/s" is reports per second
of one process, p50/p95/p99 are percentiles of the N times).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

GOAL_SECONDS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--into", help="append the row to this JSON lines file")
    args = parser.parse_args()
    if args.runs < 2:
        sys.exit("--runs must be at least 2")

    # Run as a script from benchmarks/, so the project itself is not on the path yet.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from meetings.events.models import Event
    from portal.yearly_report import document
    from portal.yearly_report.rendering import collect_sections

    year = args.year
    if year is None:
        busiest = (
            Event.objects.annotate(year=ExtractYear("starts_at"))
            .values("year")
            .annotate(events=Count("pk"))
            .order_by("-events", "-year")
            .first()
        )
        year = busiest["year"] if busiest else 2025

    def make() -> tuple[float, int, int]:
        start = time.perf_counter()
        sections = collect_sections(year)
        pdf = document.report_pdf(year, sections)
        xlsx = document.report_xlsx(year, sections)
        return time.perf_counter() - start, len(pdf), len(xlsx)

    results = [make() for _ in range(args.runs)]
    times_ms = [seconds * 1000 for seconds, _pdf, _xlsx in results]
    median_s = statistics.median(times_ms) / 1000
    quantiles = statistics.quantiles(times_ms, n=100, method="inclusive")
    verdict = "within" if median_s <= GOAL_SECONDS else "above"
    print(
        f"yearly report {year}: median {median_s:.2f} s, first {times_ms[0] / 1000:.2f} s "
        f"({args.runs} runs; PDF {results[0][1] // 1024} KB, XLSX {results[0][2] // 1024} KB), "
        f"{verdict} the goal of {GOAL_SECONDS:.0f} s"
    )
    if args.into:
        row = {
            "page": "yearly-report",
            "path": f"portal.yearly_report: {year}, PDF and XLSX",
            "user": None,
            "rps": 1000 / statistics.median(times_ms),
            "p50_ms": statistics.median(times_ms),
            "p95_ms": quantiles[94],
            "p99_ms": quantiles[98],
            "non_2xx_3xx": 0,
            "socket_errors": 0,
            "kind": "pdf",
            "runs": args.runs,
            "first_render_ms": round(times_ms[0], 1),
            "goal_seconds": GOAL_SECONDS,
        }
        with Path(args.into).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
