"""How long the signed declaration's PDF takes, compared with a minimal WeasyPrint document.

    pdf_bench.py [--runs N] [--warmup N] [--into RESULTS]

benchmarks/run calls it after the data are loaded, with the run's database and settings. In
one process it renders, in turn, "<p>Test</p>" with WeasyPrint's defaults and
`declarations.pdf.render_signature` for a realistic signature (the current version, a real
municipality; made in a transaction that is rolled back), N times each after a warm-up, and
prints the medians and their ratio (goal: at most 1.5). The first render (fonts, stylesheets,
templates) is reported apart and is not among the N. Besides the wall-clock times (the goal's
figure) it prints the renders' CPU time: on a machine others use as well, the wall clock also
counts the time the process waited for a core, and the CPU time shows what a change did.

With --into it appends one JSON line per document to the results of benchmarks/run, in the
shape report.py reads from wrk: "req/s" is renders per second of one process, p50/p95/p99 are
percentiles of the N render times. The "vs bare" column compares HTTP requests with renders and
means nothing for these rows; compare `ratio_to_minimal` (in latest.json) instead.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

GOAL = 1.5


def percentile(times: list[float], pct: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[pct - 1]


def row(page: str, path: str, times: list[float], **extra: object) -> dict[str, object]:
    median = statistics.median(times)
    return {
        "page": page,
        "path": path,
        "user": None,
        "rps": 1000 / median,
        "p50_ms": median,
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
        "non_2xx_3xx": 0,
        "socket_errors": 0,
        "kind": "pdf",
        "runs": len(times),
        **extra,
    }


def milliseconds(render: Callable[[], bytes], cpu: list[float] | None = None) -> float:
    """Wall-clock milliseconds of one render; its CPU milliseconds are appended to `cpu`."""
    start, start_cpu = time.perf_counter(), time.process_time()
    content = render()
    elapsed = (time.perf_counter() - start) * 1000
    if cpu is not None:
        cpu.append((time.process_time() - start_cpu) * 1000)
    assert content.startswith(b"%PDF-")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--into", help="append the rows to this JSON lines file")
    args = parser.parse_args()
    if args.runs < 2 or args.warmup < 1:
        sys.exit("--runs must be at least 2 and --warmup at least 1")

    # Run as a script from benchmarks/, so the project itself is not on the path yet.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db import transaction
    from weasyprint import HTML

    from declarations.models import DeclarationVersion, Signature
    from declarations.pdf import render_signature
    from members.models import Authority, Organisation
    from portal.models import User

    def minimal() -> bytes:
        return bytes(HTML(string="<p>Test</p>").write_pdf())

    with transaction.atomic():
        version = DeclarationVersion.objects.filter(is_current=True).first()
        authority = (
            Authority.objects.filter(kind=Authority.Kind.INDEPENDENT_CITY, organisation=None)
            .order_by("ags")
            .first()
        )
        organisation: Organisation | None
        if authority is not None:
            organisation = Organisation.objects.create(authority=authority)
        else:
            # At the network's full size (BENCH_SCALE=full) every authority has its
            # organisation: one that has not signed this version signs (rolled back as well).
            organisation = (
                Organisation.objects.exclude(signatures__version=version)
                .select_related("authority")
                .order_by("pk")
                .first()
            )
        if version is None or organisation is None:
            sys.exit("pdf_bench: needs a current version and an organisation that has not signed")
        user = User.objects.create_user("pdf-bench@bench.invalid", None, full_name="PDF Bench")
        created = Signature.objects.create(
            version=version,
            organisation=organisation,
            signatory_name="Dr. Berta Beispiel-Bürgermeisterin",
            signatory_office="Oberbürgermeisterin",
            place=organisation.authority.name,
            signed_on=datetime.date.today(),
            authorisation_confirmed=True,
            submitted_by=user,
        )
        # Loaded as the task loads it, so that only the rendering is measured.
        signature = Signature.objects.select_related("version", "organisation__authority").get(
            pk=created.pk
        )

        def signed() -> bytes:
            return render_signature(signature)

        # The first render loads WeasyPrint's fonts and the stylesheet, once per process.
        first_ms = milliseconds(signed)
        for _ in range(args.warmup):
            milliseconds(minimal)
            milliseconds(signed)
        # In turn, so that a busy moment of the machine hits both alike.
        minimal_times: list[float] = []
        signed_times: list[float] = []
        signed_cpu: list[float] = []
        for _ in range(args.runs):
            minimal_times.append(milliseconds(minimal))
            signed_times.append(milliseconds(signed, signed_cpu))
        transaction.set_rollback(True)

    ratio = statistics.median(signed_times) / statistics.median(minimal_times)
    rows = [
        row("pdf-minimal", "weasyprint: <p>Test</p>", minimal_times),
        row(
            "pdf-signature",
            "declarations.pdf.render_signature",
            signed_times,
            ratio_to_minimal=round(ratio, 2),
            first_render_ms=round(first_ms, 1),
            cpu_p50_ms=round(statistics.median(signed_cpu), 1),
            cpu_p95_ms=round(percentile(signed_cpu, 95), 1),
            goal_ratio=GOAL,
        ),
    ]
    for item in rows:
        print(
            f"{item['page']:<14} median {item['p50_ms']:7.1f} ms  p95 {item['p95_ms']:7.1f} ms"
            f"  ({item['runs']} runs)"
        )
    print(
        f"{'  CPU time':<14} median {statistics.median(signed_cpu):7.1f} ms"
        f"  p95 {percentile(signed_cpu, 95):7.1f} ms"
    )
    verdict = "within" if ratio <= GOAL else "above"
    print(
        f"render_signature / minimal document: {ratio:.2f}x ({verdict} the goal of {GOAL}x); "
        f"first render in a new process {first_ms:.0f} ms"
    )
    if args.into:
        with Path(args.into).open("a", encoding="utf-8") as handle:
            for item in rows:
                handle.write(json.dumps(item) + "\n")


if __name__ == "__main__":
    main()
