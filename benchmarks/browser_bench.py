"""What a person on a slow line gets: bytes transferred, LCP and CLS in Chromium (issue 19).

    browser_bench.py BASE --page NAME PATH [COOKIE] ... --runs 3 --json var/benchmarks/latest.json

Each page is opened in Playwright's Chromium with the network slowed over the DevTools
protocol (`Network.emulateNetworkConditions`: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s
up, what an officer has on a train or in a rural town hall):

- first visit: a new browser context (empty cache), the page loaded until the network is idle;
- repeat visit: a new tab in the same context (warm cache), the same page again.

Bytes are what came over the wire (`encodedDataLength` of every response: headers and the body
as sent, compressed where it was). LCP is the last `largest-contentful-paint` entry, CLS the sum
of `layout-shift` entries without recent input, both read from the page's buffered performance
entries. Every page is visited once uncounted (so that what the server builds once per process
is built), then `--runs` times; the median is reported against issue 19's goals. The
transfer per resource of the worst first visit is printed. The figures go into the run's JSON
under "browser".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"
RTT_MS = 150
DOWN_BITS = 1_600_000
UP_BITS = 750_000
# Issue 19's goals.
FIRST_BYTES = 120 * 1024
FIRST_BYTES_MAP = 200 * 1024
FIRST_LCP_MS = 1000
REPEAT_BYTES = 15 * 1024
REPEAT_LCP_MS = 500
CLS = 0.02

# Installed before any of the page's own code: keeps the last LCP candidate and the sum of
# layout shifts without recent input, which METRICS_SCRIPT reads once the page has settled.
OBSERVE_SCRIPT = """
window.__bench = {lcp: null, cls: 0};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__bench.lcp = entry.startTime;
}).observe({type: 'largest-contentful-paint', buffered: true});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__bench.cls += entry.value;
  }
}).observe({type: 'layout-shift', buffered: true});
"""
METRICS_SCRIPT = "() => window.__bench"


@dataclass
class Visit:
    bytes: int
    lcp_ms: float | None
    cls: float
    resources: list[tuple[str, int]] = field(default_factory=list)


def _visit(context: BrowserContext, url: str) -> Visit:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": RTT_MS,
            "downloadThroughput": DOWN_BITS / 8,
            "uploadThroughput": UP_BITS / 8,
        },
    )
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def sent(event: dict[str, Any]) -> None:
        urls.setdefault(event["requestId"], event["request"]["url"])

    def finished(event: dict[str, Any]) -> None:
        sizes[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="networkidle")
    # The entries are read once everything (fonts included) has arrived and been drawn.
    page.wait_for_timeout(300)
    metrics = page.evaluate(METRICS_SCRIPT)
    page.close()
    # data: URIs (KERN's icons in its stylesheet) cost no transfer and would only clutter the list.
    resources = sorted(
        (
            (urlsplit(urls.get(rid, "?")).path, size)
            for rid, size in sizes.items()
            if not urls.get(rid, "").startswith("data:")
        ),
        key=lambda item: -item[1],
    )
    return Visit(sum(sizes.values()), metrics["lcp"], float(metrics["cls"]), resources)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _goal_text(checks: list[tuple[str, bool]]) -> str:
    missed = [name for name, ok in checks if not ok]
    return "met" if not missed else "MISSED (" + ", ".join(missed) + ")"


def measure(base: str, pages: list[list[str]], runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    worst: tuple[float, str, list[tuple[str, int]]] = (-1.0, "", [])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        )
        for name, path, *cookie in pages:
            # One visit not counted: a page the server builds once per process (the map's base
            # layer) would otherwise put that build into the first run's LCP.
            warm = browser.new_context()
            if cookie and cookie[0]:
                key, _, value = cookie[0].partition("=")
                warm.add_cookies([{"name": key, "value": value, "url": base}])
            warm.new_page().goto(base + path, wait_until="networkidle")
            warm.close()
            firsts: list[Visit] = []
            repeats: list[Visit] = []
            for _run in range(runs):
                context = browser.new_context(
                    locale="de-DE", viewport={"width": 1280, "height": 800}
                )
                if cookie and cookie[0]:
                    key, _, value = cookie[0].partition("=")
                    context.add_cookies([{"name": key, "value": value, "url": base}])
                context.add_init_script(OBSERVE_SCRIPT)
                firsts.append(_visit(context, base + path))
                repeats.append(_visit(context, base + path))
                context.close()
            first_bytes = int(statistics.median(v.bytes for v in firsts))
            limit = FIRST_BYTES_MAP if name == "map" else FIRST_BYTES
            row: dict[str, Any] = {
                "path": path,
                "logged_in": bool(cookie and cookie[0]),
                "first_bytes": first_bytes,
                "first_lcp_ms": _median([v.lcp_ms for v in firsts]),
                "first_cls": _median([v.cls for v in firsts]),
                "repeat_bytes": int(statistics.median(v.bytes for v in repeats)),
                "repeat_lcp_ms": _median([v.lcp_ms for v in repeats]),
                "runs": [
                    {
                        "first": vars(f) | {"resources": None},
                        "repeat": vars(r) | {"resources": None},
                    }
                    for f, r in zip(firsts, repeats, strict=True)
                ],
            }
            lcp = _median([v.lcp_ms for v in firsts])
            repeat_lcp = _median([v.lcp_ms for v in repeats])
            cls = _median([v.cls for v in firsts]) or 0.0
            repeat_bytes = int(statistics.median(v.bytes for v in repeats))
            row["goal"] = _goal_text(
                [
                    (f"first > {limit // 1024} KB", first_bytes <= limit),
                    ("first LCP > 1.0 s", lcp is not None and lcp <= FIRST_LCP_MS),
                    ("CLS > 0.02", cls <= CLS),
                    ("repeat > 15 KB", repeat_bytes <= REPEAT_BYTES),
                    ("repeat LCP > 0.5 s", repeat_lcp is not None and repeat_lcp <= REPEAT_LCP_MS),
                ]
            )
            results[name] = row
            share = first_bytes / limit
            if share > worst[0]:
                middle = sorted(firsts, key=lambda v: v.bytes)[len(firsts) // 2]
                worst = (share, name, middle.resources)
            print(f"  {name}: {first_bytes / 1024:.1f} KB, LCP {lcp or 0:.0f} ms", file=sys.stderr)
        browser.close()
    return {
        "profile": {"rtt_ms": RTT_MS, "down_bits": DOWN_BITS, "up_bits": UP_BITS, "runs": runs},
        "pages": results,
        "worst": {"page": worst[1], "resources": worst[2]},
    }


def print_table(result: dict[str, Any]) -> None:
    header = ("page", "first KB", "LCP ms", "CLS", "repeat KB", "repeat LCP ms", "goal")
    rows = [header]
    for name, row in result["pages"].items():
        rows.append(
            (
                name + (" (logged in)" if row["logged_in"] else ""),
                f"{row['first_bytes'] / 1024:.1f}",
                f"{row['first_lcp_ms'] or 0:.0f}",
                f"{row['first_cls'] or 0:.3f}",
                f"{row['repeat_bytes'] / 1024:.1f}",
                f"{row['repeat_lcp_ms'] or 0:.0f}",
                row["goal"],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for index, r in enumerate(rows):
        print(
            "  ".join(
                cell.rjust(w) if 0 < i < 6 else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))
    worst = result["worst"]
    profile = result["profile"]
    print(
        f"\nMedians of {profile['runs']} runs at {profile['rtt_ms']} ms round trip,"
        f" {profile['down_bits'] / 1e6:g} Mbit/s down, {profile['up_bits'] / 1e3:g} kbit/s up."
    )
    print(f"Transfer per resource, first visit of the worst page ({worst['page']}):")
    for path, size in worst["resources"]:
        print(f"  {size / 1024:8.1f} KB  {path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument(
        "--page", nargs="+", action="append", required=True, metavar="NAME PATH [COOKIE]"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    if urlsplit(args.base).hostname != "127.0.0.1":
        sys.exit("the benchmark only ever targets 127.0.0.1")
    result = measure(args.base, args.page, args.runs)
    print_table(result)
    data = json.loads(args.json.read_text()) if args.json.exists() else {}
    data["browser"] = result
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
