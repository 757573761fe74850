"""Measure the public events pages under gunicorn and the time to build the feed.

Seeds a throwaway database with `seed_demo --scale N`, serves it with
gunicorn on 127.0.0.1 and reports requests per second for the events list,
one event page and the iCalendar feed; then times building the feed of 1,000
events in this process. Target: the feed of 1,000 events builds in under 0.5 s.

Run from the project root:

    .venv/bin/python bench/bench_events.py [--scale 25] [--requests 300]

The database is a temporary SQLite file unless DATABASE_URL is set (it is then
migrated and seeded: point it at a database you can throw away). Pages are
served with DEBUG off, as in production, unless --debug is given.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from support import (
    LoadResult,
    bench_environment,
    clean_up,
    gunicorn_serving,
    load,
    manage,
    migrate,
    setup_django,
)

FEED_TARGET_SECONDS = 0.5
FEED_EVENTS = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=25, help="seed_demo --scale (default 25)")
    parser.add_argument(
        "--requests", type=int, default=300, help="requests per page (default 300)"
    )
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="stop sending requests to a page after this many seconds (default 60)",
    )
    parser.add_argument("--debug", action="store_true", help="serve with DEBUG on")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


def top_up_feed_events(*, wanted: int) -> int:
    """Make sure at least `wanted` events are in the feed; return how many are."""
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from events.models import Event, TicketType, Venue
    from events.selectors import feed_events

    have = feed_events().count()
    missing = wanted - have
    if missing > 0:
        venues = list(Venue.objects.all()) or [Venue.objects.create(name="Bench Hall")]
        start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
        events = [
            Event(
                slug=f"bench-feed-{n}",
                title=f"Benchmark meeting {n}",
                summary="A meeting made by the benchmark to fill the feed.",
                venue=venues[n % len(venues)],
                starts_at=start + datetime.timedelta(days=n % 365, hours=n % 5),
                ends_at=start + datetime.timedelta(days=n % 365, hours=n % 5 + 2),
                capacity=60,
                status=Event.Status.PUBLISHED,
            )
            for n in range(missing)
        ]
        with transaction.atomic():
            created = Event.objects.bulk_create(events)
            TicketType.objects.bulk_create(
                TicketType(event=event, name="Place", price_net=Decimal("30.00"))
                for event in created
            )
    return feed_events().count()


def time_feed(*, events: int, rounds: int = 3) -> tuple[float, float, int]:
    """Return the best times to load and build, and to build only, the feed of `events`."""
    from django.db import reset_queries

    from events.ical import feed_calendar
    from events.selectors import feed_events

    with_query, build_only = [], []
    size = 0
    for _ in range(rounds):
        started = time.perf_counter()
        loaded = list(feed_events()[:events])
        body = feed_calendar(events=loaded)
        with_query.append(time.perf_counter() - started)
        started = time.perf_counter()
        feed_calendar(events=loaded)
        build_only.append(time.perf_counter() - started)
        size = len(body)
        reset_queries()
    return min(with_query), min(build_only), size


def print_report(
    results: list[LoadResult], *, args, feed_count: int, feed: tuple[float, float, int]
) -> None:
    print()
    print(
        f"gunicorn: {args.workers} workers, {args.threads} client threads, "
        f"DEBUG {'on' if args.debug else 'off'}, seed_demo --scale {args.scale}, "
        f"{feed_count} events in the feed"
    )
    print()
    header = (
        f"{'page':<12} {'path':<44} {'req/s':>8} {'ok':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<12} {r.path[:44]:<44} {r.per_second:>8.1f} {r.done:>5} {r.errors:>4} "
            f"{r.latency_ms(0.5):>8.1f} {r.latency_ms(0.95):>8.1f}"
        )
    with_query, build_only, size = feed
    verdict = "met" if with_query < FEED_TARGET_SECONDS else "NOT MET"
    print()
    print(f"Feed of {FEED_EVENTS:,} events, in process, best of 3 ({size / 1024:,.0f} KiB):")
    print(f"  load and build   {with_query:.3f} s   (target < {FEED_TARGET_SECONDS} s: {verdict})")
    print(f"  build only       {build_only:.3f} s")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-events-"))
    env = bench_environment(workdir, debug=args.debug)
    try:
        migrate(env)
        # seed_demo makes accounts with a known password, so it insists on DEBUG.
        manage("seed_demo", "--scale", str(args.scale), env=env, debug=True)
        if not args.debug:
            manage("collectstatic", "--noinput", env=env)

        setup_django(env)
        from django.db import connections

        from events.models import Event
        from events.selectors import event_list_upcoming

        feed_count = top_up_feed_events(wanted=FEED_EVENTS)
        event = event_list_upcoming().filter(status=Event.Status.PUBLISHED).first()
        if event is None:
            raise RuntimeError("The seeded database has no upcoming published event.")
        # gunicorn must not share this process's SQLite connection.
        connections.close_all()

        with gunicorn_serving(
            workdir, env, workers=args.workers, ready_path="/events/"
        ) as base_url:
            pages = [
                ("list", "/events/"),
                ("event page", f"/events/{event.slug}/"),
                ("feed", "/events/feed.ics"),
            ]
            results = []
            for name, path in pages:
                print(f"Loading {path} ...", flush=True)
                results.append(
                    load(
                        name,
                        base_url,
                        path,
                        requests=args.requests,
                        threads=args.threads,
                        time_limit=args.time_limit,
                    )
                )

            feed = time_feed(events=FEED_EVENTS)
            print_report(results, args=args, feed_count=feed_count, feed=feed)
            if any(r.errors for r in results):
                print(f"\nSome requests failed; see {workdir / 'gunicorn.log'}")
                args.keep = True
        return 0
    except Exception:
        args.keep = True
        raise
    finally:
        clean_up(workdir, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
