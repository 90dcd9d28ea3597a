"""The registration rush: many people register for one event at the same moment, over HTTP.

    rush_bench.py BASE_URL [--registrations 500] [--places 100] [--clients 50] [--into RESULTS]

benchmarks/run calls it against its gunicorn, with the run's database and settings. It makes an
event of the staff of member municipalities with PLACES places and a waiting list, and
REGISTRATIONS people of member municipalities with a logged-in session each. Every person
first opens the event page (untimed), as a browser would, which gives them the CSRF cookie and
the form's token. Then CLIENTS threads send all registrations (`POST
/veranstaltungen/<id>/anmelden/`) as fast as the server takes them, each on a connection of its
own.

Afterwards the database must hold exactly PLACES confirmed registrations and the rest on the
waiting list, and every answer must be the redirect to the new registration's page; anything
else counts as an error and the script exits with 1 (after recording its row). The row has
registrations per second (all of them divided by the time from the first request to the last
answer) as req/s and the percentiles of the single requests' latency. Everything it made is
deleted at the end.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

EMAIL_DOMAIN = "rush.bench.invalid"
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 120


@dataclass
class Person:
    email: str
    session_cookie: str  # "sessionid=..."
    csrf_cookie: str = ""  # "csrftoken=..."
    form_token: str = ""


@dataclass
class Outcome:
    seconds: float
    status: int | None  # None: the connection failed
    location: str = ""
    detail: str = ""


@dataclass
class Rush:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# --- HTTP ---------------------------------------------------------------------------------------


def _connection(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
        sys.exit(f"refusing {base}: the benchmark only ever targets http://127.0.0.1:PORT")
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)


def open_event_page(base: str, path: str, person: Person, csrf_cookie_name: str) -> None:
    """GET the event page as the person: the CSRF cookie and the token of the form."""
    conn = _connection(base)
    try:
        conn.request("GET", path, headers={"Cookie": person.session_cookie})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    finally:
        conn.close()
    match = TOKEN_FIELD.search(body)
    if response.status != 200 or csrf_cookie_name not in cookies or match is None:
        sys.exit(
            f"rush: the event page did not offer {person.email} the registration form "
            f"(HTTP {response.status}); the rush would measure the wrong thing."
        )
    person.csrf_cookie = f"{csrf_cookie_name}={cookies[csrf_cookie_name].value}"
    person.form_token = match.group(1)


def register(base: str, path: str, person: Person) -> Outcome:
    body = urlencode({"csrfmiddlewaretoken": person.form_token, "listed_consent": "on"})
    headers = {
        "Cookie": f"{person.session_cookie}; {person.csrf_cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
        # What a browser sends with a form; Django's CSRF check compares it with the host.
        "Origin": base,
    }
    start = time.perf_counter()
    conn = _connection(base)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(300).decode("utf-8", "replace")
        seconds = time.perf_counter() - start
        return Outcome(
            seconds, response.status, response.getheader("Location", ""), " ".join(text.split())
        )
    except OSError as error:
        return Outcome(time.perf_counter() - start, None, detail=f"{type(error).__name__}: {error}")
    finally:
        conn.close()


def run_threads(count: int, jobs: list, work) -> float:
    """Run work(job) for all jobs on `count` threads that start together; the wall time."""
    lock = threading.Lock()
    pending = list(reversed(jobs))
    barrier = threading.Barrier(count + 1)

    def worker() -> None:
        barrier.wait()
        while True:
            with lock:
                if not pending:
                    return
                job = pending.pop()
            work(job)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


# --- Data -----------------------------------------------------------------------------------------


def make_data(registrations: int, places: int):
    """The event and the people in the database gunicorn uses: (event, people, organisations)."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from meetings.models import Event
    from members.models import Affiliation, Authority, Membership, Organisation
    from portal.models import User

    organisations_wanted = min(50, registrations)
    with transaction.atomic():
        authorities = list(
            Authority.objects.filter(
                kind__in=["Stadt", "Gemeinde"], organisation__isnull=True
            ).order_by("ags")[:organisations_wanted]
        )
        made = [Organisation.objects.create(authority=a) for a in authorities]
        Membership.objects.bulk_create(
            Membership(organisation=o, since=datetime.date(2025, 1, 1)) for o in made
        )
        # At the network's full size (BENCH_SCALE=full) every authority is a member already:
        # the rush's people then join existing members, which stay.
        organisations = made or list(
            Organisation.objects.members().order_by("pk")[:organisations_wanted]
        )
        if not organisations:
            sys.exit("rush: no municipality is free and no member exists")
        users = []
        for number in range(registrations):
            user = User(email=f"person{number}@{EMAIL_DOMAIN}", full_name=f"Rush Person {number}")
            user.set_unusable_password()
            users.append(user)
        users = User.objects.bulk_create(users)
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        Affiliation.objects.bulk_create(
            Affiliation(
                user=user,
                organisation=organisations[number % len(organisations)],
                role=Affiliation.Role.COLLEAGUE,
            )
            for number, user in enumerate(users)
        )
        now = timezone.now()
        event = Event.objects.create(
            kind=Event.Kind.CONGRESS,
            title="Engagementkongress (Benchmark: Anmeldeansturm)",
            starts_at=now + datetime.timedelta(days=60),
            ends_at=now + datetime.timedelta(days=60, hours=8),
            format=Event.Format.IN_PERSON,
            venue="Messe",
            audience=Event.Audience.MEMBERS_STAFF,
            capacity=places,
            limit_per_organisation=None,
            waitlist_enabled=True,
            status=Event.Status.PUBLISHED,
        )
    people = []
    for user in users:
        # As probe.py session does: logged in without password or second factor.
        client = Client()
        client.force_login(user)
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        people.append(Person(user.email, f"{settings.SESSION_COOKIE_NAME}={value}"))
    return event, people, [o.pk for o in made]


def count_statuses(event) -> dict[str, int]:
    from django.db.models import Count

    rows = event.registrations.values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def remove_data(event, people: list[Person], organisation_ids: list[int]) -> None:
    from django.conf import settings
    from django.db import transaction
    from django.utils.module_loading import import_string

    from members.models import Membership, Organisation
    from portal.models import OutboundEmail, User

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    with transaction.atomic():
        OutboundEmail.objects.filter(to__endswith=f"@{EMAIL_DOMAIN}").delete()
        event.delete()
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
        Membership.objects.filter(organisation__in=organisation_ids).delete()
        Organisation.objects.filter(pk__in=organisation_ids).delete()
    for person in people:
        store(person.session_cookie.partition("=")[2]).delete()


# --- Main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="http://127.0.0.1:PORT of the running gunicorn")
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--into", help="append the row to this JSON lines file")
    parser.add_argument(
        "--server-pid", type=int, help="gunicorn's master: its CPU time per registration"
    )
    args = parser.parse_args()
    if not 0 < args.places < args.registrations or args.clients < 1:
        sys.exit("need 0 < --places < --registrations and at least one client")
    base = args.base.rstrip("/")
    _connection(base).close()

    # Run as a script from benchmarks/, so the project itself is not on the path yet.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from benchmarks.mail_meters import cpu_spent, postgres_server_pid, tree_cpu_seconds

    setup_start = time.perf_counter()
    event, people, organisation_ids = make_data(args.registrations, args.places)
    page = reverse("meetings:event_detail", args=[event.pk])
    path = reverse("meetings:register", args=[event.pk])
    try:
        run_threads(
            args.clients,
            people,
            lambda person: open_event_page(base, page, person, settings.CSRF_COOKIE_NAME),
        )
        print(
            f"rush: {len(people)} people with sessions and CSRF tokens ready in "
            f"{time.perf_counter() - setup_start:.1f} s"
        )

        rush = Rush()
        # What each side spends of the machine's CPU: the rush is bounded by the sum per
        # registration as much as by the event's row lock (docs/quality.md).
        postgres = postgres_server_pid(connection)
        meters = {"PostgreSQL": lambda: tree_cpu_seconds(postgres)}
        if args.server_pid:
            meters["gunicorn"] = lambda: tree_cpu_seconds(args.server_pid)
        # The client's own CPU time (all its threads, user and system): if it came near one
        # core (the GIL), the rush would measure the client rather than the server.
        cpu_before = os.times()
        with cpu_spent(meters) as server_cpu:
            wall = run_threads(
                args.clients, people, lambda person: rush.add(register(base, path, person))
            )
        cpu_after = os.times()
        client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        counts = count_statuses(event)
    finally:
        remove_data(event, people, organisation_ids)

    registration_page = re.compile(r"^(https?://[^/]+)?/anmeldung/\d+/$")
    failed = [o for o in rush.outcomes if o.status is None]
    wrong = [
        o
        for o in rush.outcomes
        if o.status is not None and not (o.status == 302 and registration_page.match(o.location))
    ]
    expected = {"confirmed": args.places, "waitlisted": args.registrations - args.places}
    latencies = [o.seconds * 1000 for o in rush.outcomes]
    row = {
        "page": "rush",
        "path": f"POST {path}",
        "user": None,
        "rps": len(rush.outcomes) / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "non_2xx_3xx": len(wrong),
        "socket_errors": len(failed),
        "kind": "rush",
        "registrations": args.registrations,
        "places": args.places,
        "clients": args.clients,
        "wall_seconds": round(wall, 3),
        "client_cpu_ms_per_registration": round(client_cpu * 1000 / len(rush.outcomes), 3),
        "client_cpu_share": round(client_cpu / wall, 3),
        "server_cpu_ms_per_registration": {
            name: round(seconds * 1000 / len(rush.outcomes), 2)
            for name, seconds in server_cpu.items()
        },
        "statuses": counts,
        "expected_statuses": expected,
    }
    print(
        f"rush: {len(rush.outcomes)} registrations in {wall:.2f} s = {row['rps']:.0f}/s, "
        f"latency p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms; "
        f"confirmed {counts.get('confirmed', 0)}, waiting list {counts.get('waitlisted', 0)}, "
        f"errors {len(wrong) + len(failed)}"
    )
    print(
        f"rush: the client's own CPU time {client_cpu:.2f} s "
        f"({row['client_cpu_ms_per_registration']:.2f} ms a registration, "
        f"{row['client_cpu_share']:.0%} of one core while the rush ran)"
    )
    spent = row["server_cpu_ms_per_registration"]
    total = sum(spent.values()) + row["client_cpu_ms_per_registration"]
    cores = os.cpu_count() or 1
    print(
        "rush: CPU per registration "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in spent.items())
        + f", with the client's {total:.1f} ms; {cores} cores give at most "
        f"{cores * 1000 / total:.0f}/s"
    )
    if args.into:
        with Path(args.into).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")

    problems = []
    if counts != expected:
        problems.append(f"statuses {counts}, expected {expected}")
    for outcome in (failed + wrong)[:5]:
        problems.append(
            f"HTTP {outcome.status or 'failed'} {outcome.location} {outcome.detail[:200]}".strip()
        )
    if failed or wrong:
        problems.append(f"{len(failed) + len(wrong)} of {len(rush.outcomes)} requests failed")
    if problems:
        sys.exit("rush FAILED:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
