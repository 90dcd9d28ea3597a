"""What an information e-mail to 10,000 recipients costs: CPU time per mail, and its speed.

    mailing_bench.py [--recipients N] [--into RESULTS] [--worker-log FILE]

benchmarks/run calls it with the run's database, Redis and settings. A local SMTP sink
(aiosmtpd, in a process of its own, like a real mail relay) receives everything. In one run:

1. The portal's path as deployed: a Celery worker with two processes (as in
   docker-compose.yml) on the run's Redis; a topic with N subscribers and a mailing to them;
   `portal.mailings.services.send_now` (checks the mailing, queues the fan-out; in production
   the web process), the fan-out in the worker (one stored mail per recipient, rendered in their
   language with their unsubscribe link), then MAILING_CONNECTIONS chains of batches side by
   side (MAILING_BATCH_SIZE mails over one SMTP connection each, every mail marked sent on its
   own right after the server took it). Timed from send_now until the mailing is marked sent.
   The rate limit is lifted for the run; batch size and connections stay as configured.
2. The same in this one process with Celery eager (the newcomer's set-up without a broker),
   where the chains run one after the other.
3. For comparison: the same N messages, prepared beforehand as bytes (not timed), sent by
   smtplib in a loop over one connection: the cost of the SMTP conversation alone.
4. The rate (issue 19): a worker with MAILING_RATE_PER_MINUTE set to --rate (6,000), a
   mailing to a seventh more recipients than that; the mails that reach the sink in the first
   minute after the first one must be within 5 % of the rate (5,700-6,300), and in the end
   every recipient must have exactly one. Its row "mailing-rate" has the minute's count.

Throughput is no goal: in production the relay's rate limit (MAILING_RATE_PER_MINUTE) bounds
it far below any of these. What is reported is the CPU time each step spends per mail, read
from /proc (user + system time of a process, its descendants and those it has waited for):
the worker's processes, this process while in send_now (the web process's part), all of
PostgreSQL's processes (`used_cpu_*` of Redis's INFO for Redis). The sink's own CPU is the
relay's, not the portal's, and is left out. Every recipient must have received exactly one
mail from each step, or the run stops.

With --into it appends two JSON lines to the results of benchmarks/run, in the shape report.py
reads from wrk: "req/s" is mails per second; p50/p95/p99 are the gaps between two mails
arriving at the sink, in milliseconds. The "mailing" row carries `cpu_ms_per_mail`, which
report.py prints below the table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis

from benchmarks.mail_meters import (
    check_once_each,
    cpu_spent,
    free_port,
    gaps_ms,
    per_mail_ms,
    postgres_server_pid,
    redis_cpu_seconds,
    report_from,
    row,
    run_sink,
    tree_cpu_seconds,
)

# --- A Celery worker as deployed ----------------------------------------------------------------


class Worker:
    """`celery worker` with two processes, in a process group of its own."""

    def __init__(self, sink_port: int, log: Path, rate_per_minute: int = 10**9) -> None:
        env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink_port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "MAILING_RATE_PER_MINUTE": str(rate_per_minute),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "portal", "worker", "--loglevel=WARNING"),
                *("--pool=prefork", "--concurrency=2", "-n", "mailing-bench@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self, app: Any) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"mailing_bench: the worker stopped; see {self.log.name}")
            if app.control.ping(timeout=0.5):
                return
        sys.exit(f"mailing_bench: the worker did not answer; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


# --- The rate ----------------------------------------------------------------------------------

# Issue 19: within 5 % of the configured rate in the first minute.
RATE_TOLERANCE = 0.05


def measure_rate(
    rate: int, mailing: Any, staff: Any, port: int, log: Path, commands: Any
) -> dict[str, Any]:
    """Send `mailing` through a worker held to `rate` mails a minute; the sink's arrivals show
    how many went in the first minute after the first one."""
    from django.db import transaction

    from portal.celery import app as celery_app
    from portal.mailings import services as mailings
    from portal.models import Mailing

    worker = Worker(port, log, rate_per_minute=rate)
    try:
        celery_app.conf.task_always_eager = False
        celery_app.control.purge()
        worker.wait_until_ready(celery_app)
        started = time.perf_counter()
        with transaction.atomic():
            mailings.send_now(mailing, staff)
        while Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).exists():
            if time.perf_counter() - started > 600:
                sys.exit("mailing_bench: the mailing at the rate did not finish in ten minutes")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    finally:
        worker.stop()
    received = report_from(commands)
    arrivals = sorted(received["arrivals"])
    # perf_counter is CLOCK_MONOTONIC, the same clock in the sink's process.
    in_first_minute = sum(1 for t in arrivals if t - arrivals[0] < 60) if arrivals else 0
    low, high = round(rate * (1 - RATE_TOLERANCE)), round(rate * (1 + RATE_TOLERANCE))
    return row(
        "mailing-rate",
        f"portal.mailings with a worker, MAILING_RATE_PER_MINUTE={rate}",
        len(arrivals),
        seconds,
        gaps_ms(arrivals),
        rate_per_minute=rate,
        sent_in_first_minute=in_first_minute,
        goal_range=[low, high],
        deliveries=received["deliveries"],
    )


# --- The run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--into", help="append the rows to this JSON lines file")
    parser.add_argument("--worker-log", help="where the Celery worker writes (else nowhere)")
    parser.add_argument(
        "--rate", type=int, default=6000, help="MAILING_RATE_PER_MINUTE of step 4; 0 skips it"
    )
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
    from django.db import connection, transaction

    from portal.celery import app as celery_app
    from portal.mailings import batches
    from portal.mailings import services as mailings
    from portal.models import Mailing, OutboundEmail, Subscription, Topic, User
    from portal.outbox.tasks import build_message

    broker_url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not broker_url:
        sys.exit("mailing_bench: needs Redis as broker (REDIS_URL or CELERY_BROKER_URL)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 30
    # The rate limit protects a real relay; here it would only measure the pause.
    settings.MAILING_RATE_PER_MINUTE = 10**9

    count = args.recipients
    rate_count = args.rate + args.rate // 6
    with transaction.atomic():
        topic = Topic.objects.create(name="Benchmark", slug="mailing-bench")
        users = User.objects.bulk_create(
            User(
                email=f"bench{i:05d}@mailing-bench.invalid",
                full_name=f"Bench Person {i}",
                language="en" if i % 5 == 0 else "de",
            )
            for i in range(max(count, rate_count))
        )
        Subscription.objects.bulk_create(
            Subscription(user=user, topic=topic) for user in users[:count]
        )
        rate_topic = Topic.objects.create(name="Benchmark (rate)", slug="mailing-bench-rate")
        Subscription.objects.bulk_create(
            Subscription(user=user, topic=rate_topic) for user in users[:rate_count]
        )
        staff = User.objects.create_superuser("mailing-bench-staff@mailing-bench.invalid", None)
        body = (
            "## Netzwerktreffen im Frühjahr\n\nLiebe Engagierte,\n\nwir laden Sie herzlich "
            "zum nächsten Treffen ein. Alles Weitere finden Sie auf "
            "[unserer Seite](https://kommunen-netzwerk.example/treffen).\n\n"
            "- Austausch zu Ehrenamtskarten\n- Digitale Kurzformate\n- Förderprogramme\n"
        ) * 3
        by_worker, in_process = (
            Mailing.objects.create(
                subject=f"Neues aus dem Kommunen-Netzwerk ({which})",
                body=body,
                topic=topic,
                include=[{"segment": "portal.topic_subscribers", "topic": topic.pk}],
                created_by=staff,
            )
            for which in ("1", "2")
        )
        at_rate = Mailing.objects.create(
            subject="Neues aus dem Kommunen-Netzwerk (3)",
            body=body,
            topic=rate_topic,
            include=[{"segment": "portal.topic_subscribers", "topic": rate_topic.pk}],
            created_by=staff,
        )
    expected = {user.email for user in users[:count]}
    postmaster_pid = postgres_server_pid(connection)
    redis_client = redis.Redis.from_url(broker_url)
    services = {
        "PostgreSQL": lambda: tree_cpu_seconds(postmaster_pid),
        "Redis": lambda: redis_cpu_seconds(redis_client),
    }
    log = Path(args.worker_log) if args.worker_log else Path(os.devnull)
    worker = Worker(port, log)
    try:
        # --- 1. The portal's path as deployed: a worker with two processes ------------------
        celery_app.conf.task_always_eager = False
        celery_app.control.purge()
        worker.wait_until_ready(celery_app)
        with cpu_spent(
            {"worker": lambda: tree_cpu_seconds(worker.process.pid), **services}
        ) as deployed_cpu:
            started = time.perf_counter()
            web_started = time.process_time()
            with transaction.atomic():
                mailings.send_now(by_worker, staff)
            web_seconds = time.process_time() - web_started
            while Mailing.objects.filter(pk=by_worker.pk, status=Mailing.Status.SENDING).exists():
                if time.perf_counter() - started > 600:
                    sys.exit("mailing_bench: the worker did not finish the mailing in ten minutes")
                time.sleep(0.05)
            worker_seconds = time.perf_counter() - started
        deployed_cpu["web (send_now)"] = web_seconds
        worker.stop()
        by_worker.refresh_from_db()
        if by_worker.status != Mailing.Status.SENT:
            sys.exit(f"mailing_bench: the mailing ended as {by_worker.status}, not sent")
        deployed = report_from(commands)
        check_once_each("the portal with a worker", deployed["deliveries"], expected)

        # --- 2. The same in this one process, Celery eager ------------------------------------
        celery_app.conf.task_always_eager = True
        first_batch: list[float] = []
        send_batch = batches.send_batch

        def timed_send_batch(mailing_id: int) -> batches.Batch:
            if not first_batch:
                first_batch.append(time.perf_counter())
            return send_batch(mailing_id)

        batches.send_batch = timed_send_batch
        with cpu_spent({"process": time.process_time, **services}) as one_process_cpu:
            started = time.perf_counter()
            mailings.send_now(in_process, staff)
            finished = time.perf_counter()
        batches.send_batch = send_batch
        in_process.refresh_from_db()
        if in_process.status != Mailing.Status.SENT:
            sys.exit(f"mailing_bench: the mailing ended as {in_process.status}, not sent")
        one_process = report_from(commands)
        check_once_each("the portal in one process", one_process["deliveries"], expected)
        total_seconds = finished - started
        sending_seconds = finished - first_batch[0]

        # --- 3. smtplib in a loop over one connection ----------------------------------------
        outbox = OutboundEmail.objects.filter(mailing_recipient__mailing=in_process).order_by("pk")
        messages = [(email, build_message(email).message()) for email in outbox]
        prepared = [
            (email.from_email, email.to, message.as_bytes(linesep="\r\n"))
            for email, message in messages
        ]
        with cpu_spent({"process": time.process_time}) as loop_cpu:
            loop_started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                for from_email, to, data in prepared:
                    smtp.sendmail(from_email, [to], data)
            loop_seconds = time.perf_counter() - loop_started
        loop = report_from(commands)
        check_once_each("the smtplib loop", loop["deliveries"], expected)

        # --- 4. The configured rate, through a worker --------------------------------------
        rate_row = None
        if args.rate:
            rate_row = measure_rate(args.rate, at_rate, staff, port, log, commands)
            check_once_each(
                "the mailing at the rate",
                rate_row.pop("deliveries"),
                {user.email for user in users[:rate_count]},
            )
    finally:
        worker.stop()
        celery_app.conf.task_always_eager = True
        with transaction.atomic():
            OutboundEmail.objects.filter(
                mailing_recipient__mailing__in=[by_worker, in_process, at_rate]
            ).delete()
            by_worker.delete()
            in_process.delete()
            at_rate.delete()
            User.objects.filter(email__endswith="@mailing-bench.invalid").delete()
            topic.delete()
            rate_topic.delete()

    cpu_ms_per_mail = {
        "with the worker": per_mail_ms(deployed_cpu, count),
        "in one process": per_mail_ms(one_process_cpu, count),
        "smtplib loop": per_mail_ms(loop_cpu, count),
    }
    rows = [
        row(
            "mailing-smtplib",
            "smtplib loop, one connection, bytes prepared",
            count,
            loop_seconds,
            gaps_ms(loop["arrivals"]),
        ),
        row(
            "mailing",
            "portal.mailings with a Celery worker (2 processes): send_now to sent",
            count,
            worker_seconds,
            gaps_ms(deployed["arrivals"]),
            cpu_ms_per_mail=cpu_ms_per_mail,
            one_process_per_second=round(count / total_seconds, 1),
            one_process_fan_out_seconds=round(total_seconds - sending_seconds, 2),
            batch_size=settings.MAILING_BATCH_SIZE,
            connections=settings.MAILING_CONNECTIONS,
        ),
    ]
    if rate_row is not None:
        rows.append(rate_row)
        print(
            f"portal at {args.rate} a minute: {rate_row['sent_in_first_minute']} mails in the "
            f"first minute (goal {rate_row['goal_range'][0]}-{rate_row['goal_range'][1]}), "
            f"{rate_row['mails']} in {rate_row['seconds']:.0f} s, each recipient once"
        )
    print(
        f"smtplib loop, bytes prepared  {count / loop_seconds:6.0f} mails/s  ({loop_seconds:.1f} s)"
    )
    print(
        f"portal, with a worker         {count / worker_seconds:6.0f} mails/s  "
        f"({worker_seconds:.1f} s)"
    )
    print(
        f"portal, in one process        {count / total_seconds:6.0f} mails/s  "
        f"({total_seconds:.1f} s: fan-out {total_seconds - sending_seconds:.1f} s, "
        f"sending {sending_seconds:.1f} s)"
    )
    print(
        f"CPU ms per mail ({count} mails, batches of {settings.MAILING_BATCH_SIZE}, "
        f"{settings.MAILING_CONNECTIONS} connections):"
    )
    for step, figures in cpu_ms_per_mail.items():
        print(f"  {step}: " + ", ".join(f"{name} {ms:.2f}" for name, ms in figures.items()))
    if args.into:
        with Path(args.into).open("a", encoding="utf-8") as handle:
            for item in rows:
                handle.write(json.dumps(item) + "\n")


if __name__ == "__main__":
    main()
