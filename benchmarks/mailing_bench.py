"""How fast an information e-mail reaches 10,000 recipients, against a plain smtplib loop.

    mailing_bench.py [--recipients N] [--into RESULTS]

benchmarks/run calls it with the run's database and settings. A local SMTP sink (aiosmtpd, in
a process of its own, like a real mail relay) receives everything. In one run:

1. The portal's path, in this process with Celery eager (as without a broker): a topic with N
   subscribers, a mailing to them, `portal.mailings.send_now`, which checks the mailing and
   resolves its audience, then the fan-out (one stored mail per recipient, rendered in their
   language with their unsubscribe link) and the batches (MAILING_BATCH_SIZE mails over one
   SMTP connection each, every mail locked, sent and committed on its own). The rate limit
   is lifted for the run; the batch size stays as configured (default 100).
2. The yardstick: the same N messages, prepared beforehand as bytes (not timed), sent by
   smtplib in a loop over one connection.
3. For comparison, the same loop turning each prepared message object into bytes as it
   goes (as_bytes), which any sender has to do and the portal does for every mail.

It prints messages per second and the ratio of the portal to the loop (goal: at least 50 %),
for the whole path and for the sending alone (batches after the fan-out), and the ratio to
the loop of step 3. Every recipient must have received exactly one mail from each step, or
the run stops.

With --into it appends two JSON lines to the results of benchmarks/run, in the shape report.py
reads from wrk: "req/s" is mails per second; p50/p95/p99 are the gaps between two mails
arriving at the sink, in milliseconds. The "vs bare" column means nothing for these rows;
compare `ratio_to_smtplib` (in latest.json) instead.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import smtplib
import socket
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

GOAL = 0.5


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


# --- The run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--into", help="append the rows to this JSON lines file")
    args = parser.parse_args()
    if args.recipients < 10:
        sys.exit("--recipients must be at least 10")

    # The sink starts before Django, so the forked process holds no database connection.
    port = free_port()
    commands, sink_end = multiprocessing.Pipe()
    sink = multiprocessing.get_context("fork").Process(
        target=run_sink, args=(port, sink_end), daemon=True
    )
    sink.start()
    if not commands.poll(20) or commands.recv() != "ready":
        sys.exit("mailing_bench: the SMTP sink did not start")
    try:
        measure(args, port, commands)
    finally:
        commands.send("stop")
        sink.join(10)


def measure(args: argparse.Namespace, port: int, commands: Any) -> None:
    # Run as a script from benchmarks/, so the project itself is not on the path yet.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    from portal import mailings
    from portal.celery import app as celery_app
    from portal.models import Mailing, OutboundEmail, Subscription, Topic, User
    from portal.tasks import build_message

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 30
    # The rate limit protects a real relay; here it would only measure the pause.
    settings.MAILING_RATE_PER_MINUTE = 10**9
    celery_app.conf.task_always_eager = True

    count = args.recipients
    with transaction.atomic():
        topic = Topic.objects.create(name="Benchmark", slug="mailing-bench")
        users = User.objects.bulk_create(
            User(
                email=f"bench{i:05d}@mailing-bench.invalid",
                full_name=f"Bench Person {i}",
                language="en" if i % 5 == 0 else "de",
            )
            for i in range(count)
        )
        Subscription.objects.bulk_create(Subscription(user=user, topic=topic) for user in users)
        staff = User.objects.create_superuser("mailing-bench-staff@mailing-bench.invalid", None)
        mailing = Mailing.objects.create(
            subject="Neues aus dem Kommunen-Netzwerk",
            body=(
                "## Netzwerktreffen im Frühjahr\n\nLiebe Engagierte,\n\nwir laden Sie herzlich "
                "zum nächsten Treffen ein. Alles Weitere finden Sie auf "
                "[unserer Seite](https://kommunen-netzwerk.example/treffen).\n\n"
                "- Austausch zu Ehrenamtskarten\n- Digitale Kurzformate\n- Förderprogramme\n"
            )
            * 3,
            topic=topic,
            include=[{"segment": "portal.topic_subscribers", "topic": topic.pk}],
            created_by=staff,
        )
    expected = {user.email for user in users}
    try:
        # --- 1. The portal's path ----------------------------------------------------------
        first_batch: list[float] = []
        send_batch = mailings.send_batch

        def timed_send_batch(mailing_id: int) -> mailings.Batch:
            if not first_batch:
                first_batch.append(time.perf_counter())
            return send_batch(mailing_id)

        mailings.send_batch = timed_send_batch
        started = time.perf_counter()
        mailings.send_now(mailing, staff)
        finished = time.perf_counter()
        mailings.send_batch = send_batch
        mailing.refresh_from_db()
        if mailing.status != Mailing.Status.SENT:
            sys.exit(f"mailing_bench: the mailing ended as {mailing.status}, not sent")
        portal = report_from(commands)
        check_once_each("the portal", portal["deliveries"], expected)
        total_seconds = finished - started
        sending_seconds = finished - first_batch[0]

        # --- 2. smtplib in a loop over one connection ----------------------------------------
        outbox = OutboundEmail.objects.filter(mailing_recipient__mailing=mailing).order_by("pk")
        messages = [(email, build_message(email).message()) for email in outbox]
        prepared = [
            (email.from_email, email.to, message.as_bytes(linesep="\r\n"))
            for email, message in messages
        ]
        loop_started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for from_email, to, data in prepared:
                smtp.sendmail(from_email, [to], data)
        loop_seconds = time.perf_counter() - loop_started
        loop = report_from(commands)
        check_once_each("the smtplib loop", loop["deliveries"], expected)

        # --- 3. The same, with the loop turning each prepared message into bytes ----------------
        flatten_started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for email, message in messages:
                smtp.sendmail(email.from_email, [email.to], message.as_bytes(linesep="\r\n"))
        flatten_seconds = time.perf_counter() - flatten_started
        flattening = report_from(commands)
        check_once_each("the smtplib loop with as_bytes", flattening["deliveries"], expected)
    finally:
        with transaction.atomic():
            OutboundEmail.objects.filter(mailing_recipient__mailing=mailing).delete()
            mailing.delete()
            User.objects.filter(email__endswith="@mailing-bench.invalid").delete()
            topic.delete()

    loop_rate = count / loop_seconds
    ratio = (count / total_seconds) / loop_rate
    sending_ratio = (count / sending_seconds) / loop_rate
    flatten_ratio = (count / total_seconds) / (count / flatten_seconds)
    rows = [
        row(
            "mailing-smtplib",
            "smtplib loop, one connection, bytes prepared",
            count,
            loop_seconds,
            gaps_ms(loop["arrivals"]),
            with_as_bytes_per_second=round(count / flatten_seconds, 1),
        ),
        row(
            "mailing",
            "portal.mailings: send_now, fan-out, batches",
            count,
            total_seconds,
            gaps_ms(portal["arrivals"]),
            ratio_to_smtplib=round(ratio, 2),
            ratio_to_smtplib_with_as_bytes=round(flatten_ratio, 2),
            sending_only_per_second=round(count / sending_seconds, 1),
            sending_only_ratio_to_smtplib=round(sending_ratio, 2),
            fan_out_seconds=round(total_seconds - sending_seconds, 2),
            batch_size=settings.MAILING_BATCH_SIZE,
            goal_ratio=GOAL,
        ),
    ]
    print(f"smtplib loop, bytes prepared  {loop_rate:6.0f} mails/s  ({loop_seconds:.1f} s)")
    print(f"smtplib loop, with as_bytes   {count / flatten_seconds:6.0f} mails/s")
    print(
        f"portal, whole path            {count / total_seconds:6.0f} mails/s  "
        f"({total_seconds:.1f} s: fan-out {total_seconds - sending_seconds:.1f} s, "
        f"sending {sending_seconds:.1f} s)"
    )
    print(f"portal, sending alone         {count / sending_seconds:6.0f} mails/s")
    verdict = "meets" if ratio >= GOAL else "misses"
    print(
        f"portal / smtplib loop: {ratio:.2f} for the whole path ({verdict} the goal of "
        f"{GOAL:.2f}), {sending_ratio:.2f} for the sending alone, {flatten_ratio:.2f} against "
        f"the loop that also makes the bytes; {count} mails, batches of "
        f"{settings.MAILING_BATCH_SIZE}"
    )
    if args.into:
        with Path(args.into).open("a", encoding="utf-8") as handle:
            for item in rows:
                handle.write(json.dumps(item) + "\n")


if __name__ == "__main__":
    main()
