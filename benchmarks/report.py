"""Collects the wrk results of benchmarks/run, prints the table and writes it as JSON.

report.py record --page NAME --path PATH [--user EMAIL] --wrk-output FILE
                 [--afresh-output FILE] --into RESULTS
    append the BENCH_RESULT line of one wrk run (see latency.lua), with the page's single
    requests made afresh (see afresh.py), to RESULTS (JSON lines)
report.py table --results RESULTS --json OUT [--meta KEY=VALUE ...]
    print the table and write OUT; the ratio compares each page's req/s with the bare view
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

BASELINE = "bare"  # the page name of /_bench/bare/ in benchmarks/run
MARKER = "BENCH_RESULT "
# Goals per kind of page: the least share of the bare view's req/s under load (issue 20; public
# pages, mostly from the page cache), the most median ms of a single request made afresh (issue
# 19, at the network's full size), the most SQL queries a page (issue 19).
GOALS: dict[str, tuple[float | None, float]] = {
    "public": (0.6, 25.0),
    # A public page with the visitor's own CSRF token in its form: never from the cache.
    "form": (None, 25.0),
    "member": (None, 25.0),
    "admin": (None, 80.0),
}
QUERY_BUDGET = {"public": 10, "form": 10, "member": 10, "admin": 15}
# Issue 19's goals of the rows that are not pages.
RUSH_LEAST_PER_SECOND = 150.0
PDF_MOST_P95_MS = 150.0


def _special_verdict(row: dict) -> str | None:
    """The verdict of the PDF, the rush and the mailing at the rate; None for pages."""
    if row["page"] == "pdf-signature":
        return "met" if row["p95_ms"] <= PDF_MOST_P95_MS else "MISSED (p95)"
    if row.get("kind") == "rush":
        missed = []
        if row["statuses"] != row["expected_statuses"]:
            missed.append("statuses")
        if row["non_2xx_3xx"] or row["socket_errors"]:
            missed.append("errors")
        if row["rps"] < RUSH_LEAST_PER_SECOND:
            missed.append("per second")
        return f"MISSED ({', '.join(missed)})" if missed else "met"
    if "goal_seconds" in row:  # the network import's preview: its median at most goal_seconds
        return "met" if row["p50_ms"] <= row["goal_seconds"] * 1000 else "MISSED"
    if row["page"] == "mailing-rate":
        low, high = row["goal_range"]
        return "met" if low <= row["sent_in_first_minute"] <= high else "MISSED (rate)"
    return None


GOAL_TEXT = {
    "public": "afresh ≤ 25 ms, vs bare ≥ 0.6, ≤ 10 queries",
    "form": "afresh ≤ 25 ms, ≤ 10 queries (own token: never cached)",
    "member": "afresh ≤ 25 ms, ≤ 10 queries",
    "admin": "afresh ≤ 80 ms, ≤ 15 queries",
    "pdf-signature": f"p95 ≤ {PDF_MOST_P95_MS:.0f} ms",
    "rush": f"all placed, 0 errors, ≥ {RUSH_LEAST_PER_SECOND:.0f}/s",
    "mailing-rate": "first minute within 5 % of the rate, each once",
    "import-preview": "median ≤ 3 s",
    "yearly-report": "median ≤ 10 s",
}


def goal_text(row: dict) -> str:
    return GOAL_TEXT.get(row["page"]) or GOAL_TEXT.get(row.get("kind") or "", "-")


def verdict(row: dict) -> str:
    """ "met", "MISSED (what)", "?" or "-" (no goal: the bare view, rush, mailing).

    "?": the goals that could be judged are met, but the afresh figure may come from a page
    cache (see afresh.py), or there is none. A figure from a cache over the goal still misses:
    made afresh, the page would take longer."""
    special = _special_verdict(row)
    if special is not None:
        return special
    goal = GOALS.get(row.get("kind") or "")
    if goal is None:
        return "-"
    least_ratio, most_afresh_ms = goal
    missed = []
    if least_ratio is not None and (row["ratio_to_bare"] or 0) < least_ratio:
        missed.append("vs bare")
    afresh_ms = row.get("afresh_ms")
    unsure = afresh_ms is None or row.get("afresh_by") == "unsure"
    if afresh_ms is not None and afresh_ms > most_afresh_ms:
        missed.append("afresh")
    queries = row.get("queries")
    if queries is not None and queries > QUERY_BUDGET[row["kind"]]:
        missed.append("queries")
    if missed:
        return f"MISSED ({', '.join(missed)})"
    return "?" if unsure else "met"


def afresh_cell(row: dict) -> str:
    if row.get("afresh_ms") is None:
        return "-"
    return f"{row['afresh_ms']:.1f}" + ("*" if row.get("afresh_by") == "unsure" else "")


def record(args: argparse.Namespace) -> None:
    output = Path(args.wrk_output).read_text(encoding="utf-8")
    lines = [line for line in output.splitlines() if line.startswith(MARKER)]
    if not lines:
        sys.exit(f"no {MARKER.strip()} line in the wrk output of {args.page}:\n{output}")
    result = {
        "page": args.page,
        "path": args.path,
        "user": args.user or None,
        "kind": args.kind or None,
        **json.loads(lines[-1].removeprefix(MARKER)),
    }
    if args.afresh_output:
        result.update(json.loads(Path(args.afresh_output).read_text(encoding="utf-8")))
    if args.queries is not None:
        result["queries"] = args.queries
    with Path(args.into).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(result) + "\n")


def table(args: argparse.Namespace) -> None:
    rows = [
        json.loads(line)
        for line in Path(args.results).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    baseline = next((row["rps"] for row in rows if row["page"] == BASELINE), None)
    for row in rows:
        row["ratio_to_bare"] = round(row["rps"] / baseline, 3) if baseline else None
        row["goal"] = verdict(row)
        row["goal_is"] = goal_text(row)

    headers = [
        *("page", "path", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare"),
        *("afresh ms", "SQL", "errors", "goal", "which is"),
    ]
    cells = [
        [
            row["page"] + (" (logged in)" if row["user"] else ""),
            row["path"],
            f"{row['rps']:.0f}",
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            f"{row['ratio_to_bare']:.2f}" if row["ratio_to_bare"] is not None else "-",
            afresh_cell(row),
            str(row["queries"]) if row.get("queries") is not None else "-",
            str(row["non_2xx_3xx"] + row["socket_errors"]),
            row["goal"],
            row["goal_is"],
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [headers, *cells]) for i in range(len(headers))]
    numeric = {2, 3, 4, 5, 6, 7, 8, 9}

    def format_line(line: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    print(format_line(headers))
    print("  ".join("-" * width for width in widths))
    for line in cells:
        print(format_line(line))

    meta: dict[str, str | int] = {}
    for item in args.meta:
        key, _, value = item.partition("=")
        meta[key] = int(value) if value.isdigit() else value
    document = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "pages": rows,
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    for row in rows:
        if "cpu_ms_per_mail" in row:
            print(f"\n{row['page']}: {row['mails']} mails, CPU ms per mail")
            for step, figures in row["cpu_ms_per_mail"].items():
                parts = ", ".join(f"{name} {ms:.2f}" for name, ms in figures.items())
                print(f"  {step}: {parts}")
    if any(row.get("afresh_by") == "unsure" for row in rows):
        print(
            "\n*: the page cache was not switched off on the afresh server "
            "(PORTAL_PAGE_CACHE_SECONDS=0) and the page takes no unique parameter: "
            "the figure may come from the cache."
        )

    failed = [row["page"] for row in rows if row["non_2xx_3xx"] or row["socket_errors"]]
    if failed:
        print(f"\nWarning: requests failed on {', '.join(failed)}; see the errors column.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_record = commands.add_parser("record")
    p_record.add_argument("--page", required=True)
    p_record.add_argument("--path", required=True)
    p_record.add_argument("--user", default="")
    p_record.add_argument("--kind", default="", choices=["", *GOALS])
    p_record.add_argument("--wrk-output", required=True)
    p_record.add_argument("--afresh-output", default="")
    p_record.add_argument("--queries", type=int, help="SQL queries of one request (queries.py)")
    p_record.add_argument("--into", required=True)
    p_record.set_defaults(run=record)
    p_table = commands.add_parser("table")
    p_table.add_argument("--results", required=True)
    p_table.add_argument("--json", required=True)
    p_table.add_argument("--meta", action="append", default=[])
    p_table.set_defaults(run=table)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
