"""Measure check-in API latency (p50, p95) with several scanners at once at one event's door.

Makes an event with 2,000 confirmed places and a check-in device token,
serves the project with gunicorn on 127.0.0.1, then runs 4 scanner threads
against POST /api/v1/events/<slug>/checkins/, as phones at four doors would:
each scans its own share of the tickets once, and now and then scans again a
ticket it has already let in (which must answer 200 "already checked in").
Every 25 scans a scanner also asks for the live count, as the desk page does.
Reports latency per answer, then checks the database: one entry per place,
no more.

Run from the project root:

    .venv/bin/python bench/bench_checkin.py [--places 2000] [--scanners 4] [--workers 4]

The database is PostgreSQL if DATABASE_URL points to one (it is migrated and
a new event is added: point it at a database you can throw away), else a
temporary SQLite file.
"""

import argparse
import json
import random
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from support import (
    bench_environment,
    clean_up,
    gunicorn_serving,
    migrate,
    quantile_ms,
    setup_django,
)

SUMMARY_EVERY = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", type=int, default=2000, help="places (default 2000)")
    parser.add_argument("--scanners", type=int, default=4, help="scanner threads (default 4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--repeat-share",
        type=float,
        default=0.1,
        help="chance, after each scan, of scanning an admitted ticket again (default 0.1)",
    )
    parser.add_argument("--seed", type=int, default=6, help="seed for the repeats (default 6)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


# --- The data -------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    slug: str
    token: str
    secrets: list[str]


def create_event_and_places(*, places: int) -> Setup:
    """Create the event, its confirmed places (20 to an invoice order) and a device token."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from events.models import CheckInDevice, Event, Registration, TicketType
    from payments.models import Order

    starts = timezone.now().replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        event = Event.objects.create(
            slug=f"bench-checkin-{secrets.token_hex(4)}",
            title="Check-in benchmark",
            summary="An event made by the check-in benchmark.",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=8),
            capacity=places,
            status=Event.Status.PUBLISHED,
        )
        ticket = TicketType.objects.create(event=event, name="Standard")
        orders = Order.objects.bulk_create(
            Order(
                booker_name=f"Booker {n}",
                booker_email=f"booker-{n}@bench.example",
                payment_method=Order.PaymentMethod.INVOICE,
            )
            for n in range(0, places, 20)
        )
        registrations = Registration.objects.bulk_create(
            (
                Registration(
                    event=event,
                    ticket_type=ticket,
                    order=orders[n // 20],
                    state=Registration.State.CONFIRMED,
                    first_name="Delegate",
                    last_name=f"{n:05d}",
                    email=f"delegate-{n}@bench.example",
                    organisation=f"Council {n % 40}",
                )
                for n in range(places)
            ),
            batch_size=500,
        )
        device = CheckInDevice.objects.create(event=event, label="Benchmark door")
    return Setup(
        slug=event.slug, token=device.token, secrets=[r.ticket_secret for r in registrations]
    )


# --- The load -------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "first scan", "repeat scan" or "count"
    status: int
    result: str
    seconds: float


@dataclass
class Load:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def latency_ms(self, share: float, *, kind: str | None = None) -> float:
        chosen = [o.seconds for o in self.outcomes if kind in (None, o.kind)]
        return quantile_ms(chosen, share)

    def of(self, kind: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if kind in (None, o.kind)]


def call(url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Device {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {}


def run_load(base_url: str, setup: Setup, args) -> Load:
    """Scan every ticket once from `args.scanners` threads, each its own share, plus repeats."""
    load = Load()
    lock = threading.Lock()
    scan_url = f"{base_url}/api/v1/events/{setup.slug}/checkins/"
    summary_url = f"{base_url}/api/v1/events/{setup.slug}/checkins/summary/"
    shares = [setup.secrets[i :: args.scanners] for i in range(args.scanners)]
    rng = random.Random(args.seed)
    seeds = [rng.randrange(2**32) for _ in range(args.scanners)]
    start = threading.Barrier(args.scanners)

    def timed(kind: str, url: str, body: dict | None) -> None:
        began = time.perf_counter()
        try:
            status, answer = call(url, setup.token, body)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            status, answer = 0, {"result": type(error).__name__}
        outcome = Outcome(kind, status, answer.get("result", ""), time.perf_counter() - began)
        with lock:
            load.outcomes.append(outcome)

    def scanner(index: int) -> None:
        choose = random.Random(seeds[index])
        admitted: list[str] = []
        start.wait()
        for n, secret in enumerate(shares[index], start=1):
            timed("first scan", scan_url, {"secret": secret, "nonce": uuid.uuid4().hex})
            admitted.append(secret)
            if choose.random() < args.repeat_share:
                again = choose.choice(admitted)
                timed("repeat scan", scan_url, {"secret": again, "nonce": uuid.uuid4().hex})
            if n % SUMMARY_EVERY == 0:
                timed("count", summary_url, None)

    threads = [threading.Thread(target=scanner, args=(i,)) for i in range(args.scanners)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - began
    return load


# --- The check and the report ---------------------------------------------------


def count_entries(setup: Setup) -> tuple[int, int]:
    """Return the entries recorded and the places with more than one."""
    from django.db.models import Count

    from events.models import CheckIn

    entries = CheckIn.objects.filter(event__slug=setup.slug, direction="entry")
    doubled = entries.values("registration").annotate(n=Count("pk")).filter(n__gt=1).count()
    return entries.count(), doubled


def print_report(load: Load, *, database: str, entries: int, doubled: int, args) -> int:
    scans = [o for o in load.outcomes if o.kind != "count"]
    answers = Counter((o.kind, o.status, o.result) for o in load.outcomes)
    print()
    print(
        f"gunicorn: {args.workers} sync workers; {args.scanners} scanners at once; {database}; "
        f"{args.places} places; device token; repeat share {args.repeat_share:.0%}"
    )
    print()
    header = f"{'requests':<22} {'count':>7} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}"
    print(header)
    print("-" * len(header))
    for kind in ("first scan", "repeat scan", None, "count"):
        chosen = load.of(kind) if kind else scans
        name = kind or "all scans"
        worst = max((o.seconds for o in chosen), default=float("nan")) * 1000
        print(
            f"{name:<22} {len(chosen):>7} "
            f"{quantile_ms([o.seconds for o in chosen], 0.5):>9.1f} "
            f"{quantile_ms([o.seconds for o in chosen], 0.95):>9.1f} {worst:>9.1f}"
        )
    print()
    print(f"Scans per second: {len(scans) / load.seconds:.1f} over {load.seconds:.1f} s")
    print()
    print(f"{'answer':<44} {'count':>7}")
    print("-" * 52)
    for (kind, status, result), count in sorted(answers.items()):
        print(f"{f'{kind}: {status} {result}':<44} {count:>7}")

    expected = {
        ("first scan", 201, "ok"),
        ("repeat scan", 200, "already_checked_in"),
        ("count", 200, ""),
    }
    unexpected = sum(count for key, count in answers.items() if key not in expected)
    print()
    print(f"Entries recorded: {entries} for {args.places} places; places entered twice: {doubled}")
    if unexpected:
        print(f"Unexpected answers: {unexpected}; see the gunicorn log")
    return 0 if entries == args.places and not doubled and not unexpected else 1


def main() -> int:
    import os

    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    env = bench_environment(workdir)
    scheme = urllib.parse.urlsplit(env["DATABASE_URL"]).scheme
    database = "PostgreSQL" if scheme in {"postgres", "postgresql", "pgsql"} else "SQLite"
    if database == "SQLite" and "DATABASE_URL" in os.environ:
        print("DATABASE_URL is not PostgreSQL: using it as it is.")
    try:
        migrate(env)
        setup_django(env)
        from django.db import connections

        print(f"Making an event with {args.places} places ...", flush=True)
        setup = create_event_and_places(places=args.places)
        connections.close_all()

        with gunicorn_serving(
            workdir, env, workers=args.workers, ready_path="/api/v1/events/"
        ) as base_url:
            # Warm each worker's imports and database connection before the clock starts.
            summary = f"{base_url}/api/v1/events/{setup.slug}/checkins/summary/"
            for _ in range(args.workers * 3):
                call(summary, setup.token)
            print(f"Scanning {args.places} tickets from {args.scanners} scanners ...", flush=True)
            load = run_load(base_url, setup, args)
        entries, doubled = count_entries(setup)
        connections.close_all()
        result = print_report(load, database=database, entries=entries, doubled=doubled, args=args)
        if result:
            args.keep = True
        return result
    except Exception:
        args.keep = True
        raise
    finally:
        clean_up(workdir, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
