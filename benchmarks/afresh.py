"""Single requests of a page made afresh: the "afresh ms" column of benchmarks/run.

    afresh.py check URL --event-pk PK
        print "off" if the server of URL (an event page) makes pages afresh, "on" if it
        served a page from a cache
    afresh.py measure URL --out FILE [--cookie C] [--accept-encoding E] [--requests N]
                          [--warmup N] [--unique-parameter]
        warm up, then send N requests one after the other over one connection at a time and
        write their median and p90 in milliseconds to FILE (one JSON object)

benchmarks/run measures this column against a second gunicorn started with
PORTAL_PAGE_CACHE_SECONDS=0, the setting that switches page caching off. Whether the server
honours it is not taken on trust: `check` changes an event's title in PostgreSQL directly,
behind the portal's back (no cache invalidation of any kind can notice), and looks whether the
event page shows it at once. Only a page made afresh can; any page cache serves the old title.
The title is restored afterwards.

If the page cache is still on, `measure --unique-parameter` adds `afresh=<n>` to each request:
a page cache keys on the address, so every request misses it. A page that does not answer 200
with an unknown parameter (admin's lists redirect) is then measured without it, and its figure
is marked as possibly from the cache.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

PARAMETER = "afresh"


def _split(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
        sys.exit(f"refusing {url}: the benchmark only ever targets 127.0.0.1")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, parts.port, target


def _get(host: str, port: int, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
    # gunicorn's sync workers close the connection after each answer, as they do for wrk.
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _with_parameter(target: str, value: str) -> str:
    return f"{target}{'&' if '?' in target else '?'}{PARAMETER}={value}"


def check(args: argparse.Namespace) -> None:
    host, port, target = _split(args.url)
    marker = f"afresh-check-{secrets.token_hex(8)}"
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as database:
        found = database.execute(
            "SELECT title FROM meetings_event WHERE id = %s", [args.event_pk]
        ).fetchone()
        if found is None:
            sys.exit(f"no event {args.event_pk} in the database")
        title = found[0]
        # Made (and, with a page cache, kept) before the change.
        status, _ = _get(host, port, target, {})
        if status != 200:
            sys.exit(f"{args.url} answered {status}, not 200")
        database.execute(
            "UPDATE meetings_event SET title = %s WHERE id = %s",
            [f"{title} {marker}", args.event_pk],
        )
        try:
            status, body = _get(host, port, target, {})
        finally:
            database.execute(
                "UPDATE meetings_event SET title = %s WHERE id = %s", [title, args.event_pk]
            )
    if status != 200:
        sys.exit(f"{args.url} answered {status}, not 200")
    print("off" if marker.encode() in body else "on")


def measure(args: argparse.Namespace) -> None:
    host, port, target = _split(args.url)
    headers = {"Cookie": args.cookie} if args.cookie else {}
    if args.accept_encoding:
        headers["Accept-Encoding"] = args.accept_encoding
    unique = args.unique_parameter
    if unique and _get(host, port, _with_parameter(target, "0"), headers)[0] != 200:
        unique = False  # the view rejects unknown parameters; measured as it is
    run = secrets.token_hex(4)

    def timed(n: int) -> float:
        address = _with_parameter(target, f"{run}-{n}") if unique else target
        started = time.perf_counter()
        status, _ = _get(host, port, address, headers)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            sys.exit(f"{args.url} answered {status}, not 200, in the afresh run")
        return elapsed

    # Warm-up: templates loaded, the database connection open, the code paths hot.
    for n in range(args.warmup):
        timed(-1 - n)
    times = [timed(n) for n in range(args.requests)]
    result = {
        "afresh_ms": round(statistics.median(times), 2),
        "afresh_p90_ms": round(statistics.quantiles(times, n=10, method="inclusive")[-1], 2),
        "afresh_requests": len(times),
        "afresh_by": (
            "setting" if not args.unique_parameter else "parameter" if unique else "unsure"
        ),
    }
    Path(args.out).write_text(json.dumps(result) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_check = commands.add_parser("check")
    p_check.add_argument("url")
    p_check.add_argument("--event-pk", type=int, required=True)
    p_check.set_defaults(run=check)
    p_measure = commands.add_parser("measure")
    p_measure.add_argument("url")
    p_measure.add_argument("--out", required=True)
    p_measure.add_argument("--cookie", default="")
    p_measure.add_argument("--accept-encoding", default="")
    p_measure.add_argument("--requests", type=int, default=40)
    p_measure.add_argument("--warmup", type=int, default=5)
    p_measure.add_argument("--unique-parameter", action="store_true")
    p_measure.set_defaults(run=measure)
    args = parser.parse_args()
    if getattr(args, "requests", 2) < 2:
        parser.error("--requests must be at least 2")
    args.run(args)


if __name__ == "__main__":
    main()
