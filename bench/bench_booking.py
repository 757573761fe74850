"""Measure bookings per second through the HTTP API, and count the places oversold.

Serves the project with gunicorn on 127.0.0.1 against PostgreSQL, then sends
POST /api/v1/bookings/ from several client threads (8 by default), each
booking 1 to 3 places of a free or an invoiced ticket, until every ticket is
sold out or a time or request limit is reached. Reports bookings per second,
latency and the answers, then counts the places held in the database against
the event's capacity and each ticket type's. Places oversold must be 0.

Run from the project root, with PostgreSQL at 127.0.0.1:5432 (user postgres):

    .venv/bin/python bench/bench_booking.py [--clients 8] [--workers 4] [--capacity 300]

Without DATABASE_URL the benchmark creates the database `bench_booking`,
and drops it at the end. With DATABASE_URL (it must be PostgreSQL: SQLite has
no row locks to measure) it uses that database as it is and leaves it there.
"""

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_booking"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--capacity", type=int, default=300, help="places at the event (default 300)"
    )
    parser.add_argument(
        "--paid-capacity",
        type=int,
        default=100,
        help="places of the invoiced ticket type, within the event's (default 100)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=2000,
        help="stop after this many booking requests in all (default 2000)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="stop after this many seconds (default 120)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the clients' choices")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


# --- The database ---------------------------------------------------------------


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def is_postgresql(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def _admin_connection(url: str):
    """Connect to the server's `postgres` database, to create or drop the benchmark's."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname="postgres",
        autocommit=True,
    )


def create_database(url: str) -> None:
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            # A run that crashed left it behind: start again from nothing.
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"Created database {name}", flush=True)


def drop_database(url: str) -> None:
    from psycopg import sql

    name = database_name(url)
    with _admin_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    print(f"Dropped database {name}", flush=True)


# --- The data -------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    slug: str
    tokens: list[str]
    free_ticket: int
    paid_ticket: int


def create_event_and_bookers(*, clients: int, capacity: int, paid_capacity: int) -> Setup:
    """Create the event, its two ticket types, and one booker with a token per client."""
    import datetime
    from decimal import Decimal

    from allauth.account.models import EmailAddress
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from events.models import Event, TicketType

    starts = (timezone.now() + datetime.timedelta(days=60)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    event = Event.objects.create(
        slug=f"bench-booking-{secrets.token_hex(4)}",
        title="Booking benchmark",
        summary="An event made by the booking benchmark.",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        capacity=capacity,
        status=Event.Status.PUBLISHED,
        organiser_email="events@bench.example",
    )
    free = TicketType.objects.create(
        event=event, name="Free place", price_net=Decimal("0.00"), max_per_booking=10
    )
    paid = TicketType.objects.create(
        event=event,
        name="Paid place",
        price_net=Decimal("150.00"),
        vat_rate=Decimal("20.00"),
        capacity=paid_capacity,
        max_per_booking=10,
    )
    tokens = []
    for n in range(clients):
        email = f"bench-booker-{n}@bench.example"
        user = User.objects.create_user(email=email, password=None, full_name=f"Booker {n}")
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        tokens.append(Token.objects.create(user=user).key)
    return Setup(slug=event.slug, tokens=tokens, free_ticket=free.pk, paid_ticket=paid.pk)


# --- The load -------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    code: str
    places: int
    seconds: float


@dataclass
class Load:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    stopped_by: str = ""

    def latency_ms(self, share: float, *, status: int | None = None) -> float:
        chosen = [o.seconds for o in self.outcomes if status in (None, o.status)]
        return quantile_ms(chosen, share)


def post_booking(base_url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}/api/v1/bookings/",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {}


def booking_body(setup: Setup, *, ticket: int, places: int, n: int) -> dict:
    paid = ticket == setup.paid_ticket
    return {
        "event": setup.slug,
        "payment_method": "invoice" if paid else "free",
        "purchase_order": f"PO-{n}" if paid else "",
        "billing": (
            {"organisation": "Bench Council", "address": "1 High Street", "postcode": "AB1 2CD"}
            if paid
            else None
        ),
        "delegates": [
            {
                "ticket_type": ticket,
                "first_name": "Delegate",
                "last_name": f"{n}-{i}",
                "email": f"delegate-{n}-{i}@bench.example",
            }
            for i in range(places)
        ],
    }


def run_load(base_url: str, setup: Setup, args) -> Load:
    """Book from `args.clients` threads until every ticket is sold out, or a limit is hit.

    A one-place request refused as sold out means that ticket has no room
    left: places never come back during the run (no cancellations, and
    invoice and free bookings do not expire), so no client asks for it again.
    """
    load = Load()
    lock = threading.Lock()
    sold_out: set[int] = set()
    sent = 0
    deadline = time.monotonic() + args.time_limit
    start = threading.Barrier(args.clients)
    rng = random.Random(args.seed)
    seeds = [rng.randrange(2**32) for _ in range(args.clients)]

    def client(index: int) -> None:
        nonlocal sent
        choose = random.Random(seeds[index])
        token = setup.tokens[index]
        start.wait()
        while True:
            with lock:
                open_tickets = [
                    t for t in (setup.free_ticket, setup.paid_ticket) if t not in sold_out
                ]
                if not open_tickets:
                    load.stopped_by = load.stopped_by or "sold out"
                    return
                if sent >= args.max_requests:
                    load.stopped_by = load.stopped_by or "request limit"
                    return
                if time.monotonic() > deadline:
                    load.stopped_by = load.stopped_by or "time limit"
                    return
                sent += 1
                n = sent
            ticket = choose.choice(open_tickets)
            places = choose.randint(1, 3)
            began = time.perf_counter()
            try:
                status, body = post_booking(
                    base_url, token, booking_body(setup, ticket=ticket, places=places, n=n)
                )
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                status, body = 0, {"code": type(error).__name__}
            outcome = Outcome(status, body.get("code", ""), places, time.perf_counter() - began)
            with lock:
                load.outcomes.append(outcome)
                if status == 409 and outcome.code == "sold_out" and places == 1:
                    sold_out.add(ticket)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - began
    return load


# --- The count ------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    name: str
    capacity: int
    held: int

    @property
    def oversold(self) -> int:
        return max(0, self.held - self.capacity)


def count_held(setup: Setup) -> tuple[list[Held], int]:
    """Return places held against capacity, for the event and each ticket type, and orders."""
    from django.utils import timezone

    from events.models import Event, Registration, TicketType
    from events.selectors import held_places_q
    from payments.models import Order

    now = timezone.now()
    event = Event.objects.get(slug=setup.slug)
    held = Registration.objects.filter(held_places_q(now=now), event=event)
    rows = [Held(f"event {event.slug}", event.capacity, held.count())]
    for ticket in TicketType.objects.filter(event=event).order_by("pk"):
        capacity = ticket.capacity if ticket.capacity is not None else event.capacity
        rows.append(Held(ticket.name, capacity, held.filter(ticket_type=ticket).count()))
    orders = Order.objects.filter(event_registrations__event=event).distinct().count()
    return rows, orders


# --- The report -----------------------------------------------------------------


def print_report(load: Load, held: list[Held], orders: int, args) -> int:
    answers = Counter((o.status, o.code) for o in load.outcomes)
    created = [o for o in load.outcomes if o.status == 201]
    places_booked = sum(o.places for o in created)
    per_second = len(created) / load.seconds if load.seconds else 0.0

    print()
    print(
        f"gunicorn: {args.workers} sync workers; {args.clients} client threads; PostgreSQL; "
        f"event capacity {args.capacity}, paid ticket capacity {args.paid_capacity}; "
        f"1-3 places a booking"
    )
    print(f"Stopped by: {load.stopped_by or 'all clients finished'}")
    print()
    header = f"{'':<26} {'value':>12}"
    print(header)
    print("-" * len(header))
    rows = [
        ("booking requests", f"{len(load.outcomes)}"),
        ("seconds", f"{load.seconds:.2f}"),
        ("bookings per second (201)", f"{per_second:.1f}"),
        ("requests per second", f"{len(load.outcomes) / load.seconds:.1f}"),
        ("places booked per second", f"{places_booked / load.seconds:.1f}"),
        ("p50 latency, all (ms)", f"{load.latency_ms(0.5):.1f}"),
        ("p95 latency, all (ms)", f"{load.latency_ms(0.95):.1f}"),
        ("p50 latency, 201 (ms)", f"{load.latency_ms(0.5, status=201):.1f}"),
        ("p95 latency, 201 (ms)", f"{load.latency_ms(0.95, status=201):.1f}"),
    ]
    for name, value in rows:
        print(f"{name:<26} {value:>12}")

    print()
    print(f"{'answer':<26} {'count':>12}")
    print("-" * 39)
    for (status, code), count in sorted(answers.items()):
        print(f"{f'{status} {code}'.strip():<26} {count:>12}")

    print()
    header = f"{'places':<34} {'capacity':>9} {'held':>6} {'oversold':>9}"
    print(header)
    print("-" * len(header))
    for row in held:
        print(f"{row.name[:34]:<34} {row.capacity:>9} {row.held:>6} {row.oversold:>9}")

    oversold = sum(row.oversold for row in held)
    unexpected = sum(
        count
        for (status, code), count in answers.items()
        if status != 201 and (status, code) != (409, "sold_out")
    )
    consistent = places_booked == held[0].held and len(created) == orders
    print()
    print(f"Places oversold: {oversold} (must be 0)")
    print(
        f"Places in 201 answers: {places_booked}; held in the database: {held[0].held}; "
        f"orders: {orders} for {len(created)} bookings "
        f"({'consistent' if consistent else 'INCONSISTENT'})"
    )
    if unexpected:
        print(f"Unexpected answers: {unexpected}; see the gunicorn log")
    return 0 if oversold == 0 and consistent and not unexpected else 1


def main() -> int:
    args = parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    owns_database = not database_url
    database_url = database_url or DEFAULT_DATABASE_URL
    if not is_postgresql(database_url):
        print("DATABASE_URL must point at PostgreSQL: SQLite has no row locks to measure.")
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    # Booking emails are queued in the database broker and not sent.
    env = bench_environment(workdir, DATABASE_URL=database_url)
    try:
        if owns_database:
            create_database(database_url)
        migrate(env)

        setup_django(env)
        from django.db import connections

        setup = create_event_and_bookers(
            clients=args.clients, capacity=args.capacity, paid_capacity=args.paid_capacity
        )
        connections.close_all()

        # Without a token /api/v1/me/ answers 401, which is answer enough.
        with gunicorn_serving(
            workdir,
            env,
            workers=args.workers,
            ready_path="/api/v1/me/",
            http_error_is_answer=True,
        ) as base_url:
            # Warm each worker's imports and database connection before the clock starts.
            for token in setup.tokens:
                request = urllib.request.Request(
                    f"{base_url}/api/v1/me/", headers={"Authorization": f"Token {token}"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()

            print(f"Booking {setup.slug} from {args.clients} clients ...", flush=True)
            load = run_load(base_url, setup, args)
            held, orders = count_held(setup)
            connections.close_all()
            result = print_report(load, held, orders, args)
        if result:
            args.keep = True
        return result
    except Exception:
        args.keep = True
        raise
    finally:
        if owns_database:
            # WITH (FORCE) closes whatever connections are still open, this process's too.
            drop_database(database_url)
        clean_up(workdir, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
