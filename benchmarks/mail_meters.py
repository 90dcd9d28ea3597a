"""The measuring parts of mailing_bench.py: a local SMTP sink in a process of its own, what
it counted, and the CPU time of processes read from /proc. Kept apart so that the benchmark's
steps read in one module and each stays under 500 lines."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- The sink, in a process of its own -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_sink(port: int, commands: Any) -> None:
    """Receive mail on port; answer "report" with what arrived since the last report."""
    from aiosmtpd.controller import Controller

    arrivals: list[float] = []
    deliveries: Counter[str] = Counter()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            arrivals.append(time.perf_counter())
            for address in envelope.rcpt_tos:
                deliveries[address.lower()] += 1
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    commands.send("ready")
    while True:
        command = commands.recv()
        if command == "report":
            # Read between two steps, when nothing is arriving.
            commands.send({"arrivals": list(arrivals), "deliveries": dict(deliveries)})
            arrivals.clear()
            deliveries.clear()
        else:
            break
    controller.stop()


def report_from(commands: Any) -> dict[str, Any]:
    commands.send("report")
    return commands.recv()


def gaps_ms(arrivals: list[float]) -> list[float]:
    return [(b - a) * 1000 for a, b in itertools.pairwise(arrivals)] or [0.0]


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def row(page: str, path: str, count: int, seconds: float, gaps: list[float], **extra: Any):
    return {
        "page": page,
        "path": path,
        "user": None,
        "rps": count / seconds,
        "p50_ms": statistics.median(gaps),
        "p95_ms": percentile(gaps, 95),
        "p99_ms": percentile(gaps, 99),
        "non_2xx_3xx": 0,
        "socket_errors": 0,
        "kind": "mailing",
        "mails": count,
        "seconds": round(seconds, 2),
        **extra,
    }


def check_once_each(step: str, deliveries: dict[str, int], expected: set[str]) -> None:
    wrong = {address: n for address, n in deliveries.items() if n != 1}
    missing = expected - set(deliveries)
    extra = set(deliveries) - expected
    if wrong or missing or extra:
        sys.exit(
            f"mailing_bench: {step} did not deliver exactly once to each recipient: "
            f"{len(missing)} missing, {len(wrong)} more than once, {len(extra)} unexpected"
        )


# --- CPU time -----------------------------------------------------------------------------------


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name (which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:  # the process ended since /proc was listed
        return None
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its descendants, living or ended and waited for."""
    fields: dict[int, list[str]] = {}
    children: defaultdict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := stat_fields(int(entry.name))) is not None:
            fields[int(entry.name)] = found
            children[int(found[1])].append(int(entry.name))
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in fields:
            # utime, stime, cutime, cstime: an ended child counts in its parent's c-times.
            ticks += sum(int(value) for value in fields[pid][11:15])
            todo.extend(children[pid])
    return ticks / CLOCK_TICKS


def postgres_server_pid(connection: Any) -> int:
    """The process that forked the Django connection's backend: all of PostgreSQL's server
    processes are its children, so tree_cpu_seconds of it is PostgreSQL's whole CPU time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend_pid,) = cursor.fetchone()
    return int((stat_fields(backend_pid) or sys.exit("no PostgreSQL backend"))[1])


def redis_cpu_seconds(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


@contextlib.contextmanager
def cpu_spent(meters: dict[str, Callable[[], float]]) -> Iterator[dict[str, float]]:
    """Seconds of CPU each meter counts while the block runs (filled in when it ends)."""
    spent: dict[str, float] = {}
    before = {name: meter() for name, meter in meters.items()}
    yield spent
    spent.update({name: meter() - before[name] for name, meter in meters.items()})


def per_mail_ms(spent: dict[str, float], count: int) -> dict[str, float]:
    figures = {name: round(seconds * 1000 / count, 3) for name, seconds in spent.items()}
    figures["total"] = round(sum(spent.values()) * 1000 / count, 3)
    return figures
