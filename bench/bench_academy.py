"""Measure the academy's public pages, and decisions and enrolments racing for one cohort.

1. Seeds a throwaway database with `seed_demo --scale N`, serves it with
   gunicorn on 127.0.0.1 and reports requests per second and p50/p95 latency
   for /academy/, one programme page (/academy/leading-digital-transformation/)
   and GET /api/v1/programmes/, sent from several client threads.
2. In this process, with real threads: makes a cohort of C places (50 by
   default) with N applications under review (200), then T threads (8) take
   the applications from one shared queue and accept each with
   `academy.services.applications.application_decide` until all are tried.
   Reports how many were accepted against the capacity (places oversold must
   be 0), decisions per second and latency. Then T threads confirm every
   accepted place with `academy.services.enrolments.enrolment_create`, paying
   by invoice, and report enrolments per second and latency.

Emails and invoices are django-q2 tasks queued when a transaction commits.
Here they wait in the database broker (Q_SYNC off, REDIS_URL unset) and no
cluster runs them, so no task runs and no email is sent (EMAIL_URL is
dummymail://). A service's timing includes queueing its tasks (one INSERT a
task, after its commit), not running them.

Run from the project root:

    .venv/bin/python bench/bench_academy.py [--scale 25] [--requests 300] \
        [--capacity 50] [--applications 200] [--threads 8]

The database is a temporary SQLite file unless DATABASE_URL is set (it is then
migrated, seeded and given a cohort and its applicants: point it at a database
you can throw away). On SQLite one connection writes at a time, so the threads
of part 2 queue for the write lock and the race is serialised; PostgreSQL
shows the row locks at work. Pages are served with DEBUG off, as in
production, unless --debug is given.
"""

import argparse
import queue
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from support import (
    LoadResult,
    bench_environment,
    clean_up,
    gunicorn_serving,
    load,
    manage,
    migrate,
    quantile_ms,
    setup_django,
)

PROGRAMME_SLUG = "leading-digital-transformation"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=25, help="seed_demo --scale (default 25)")
    parser.add_argument(
        "--requests", type=int, default=300, help="requests per page (default 300)"
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="client threads sending requests (default 4)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="stop sending requests to a page after this many seconds (default 60)",
    )
    parser.add_argument(
        "--capacity", type=int, default=50, help="places on the raced cohort (default 50)"
    )
    parser.add_argument(
        "--applications",
        type=int,
        default=200,
        help="applications under review for it (default 200)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads deciding and enrolling in this process (default 8)",
    )
    parser.add_argument("--debug", action="store_true", help="serve with DEBUG on")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


# --- 1. Public reads under gunicorn ----------------------------------------------


def print_reads(results: list[LoadResult], *, args, cohorts: int) -> None:
    print()
    print(
        f"Public reads: gunicorn, {args.workers} workers, {args.clients} client threads, "
        f"DEBUG {'on' if args.debug else 'off'}, seed_demo --scale {args.scale}, "
        f"{cohorts} public cohorts"
    )
    print()
    header = (
        f"{'page':<12} {'path':<40} {'req/s':>8} {'ok':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<12} {r.path[:40]:<40} {r.per_second:>8.1f} {r.done:>5} {r.errors:>4} "
            f"{quantile_ms(r.latencies, 0.5):>8.1f} {quantile_ms(r.latencies, 0.95):>8.1f}"
        )


# --- 2. Contention on one cohort, in this process ----------------------------------


@dataclass(frozen=True)
class Setup:
    cohort_id: int
    manager_id: int
    application_ids: list[int]


def create_cohort_and_applications(*, capacity: int, applications: int) -> Setup:
    """Create an unpublished programme, its open cohort, a programme manager and applicants.

    Each applicant has one application under review (sponsor supported),
    oldest first in the order they are made.
    """
    import datetime
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from academy.models import Application, Cohort, Programme
    from accounts.models import User

    now = timezone.now()
    today = timezone.localdate(now)
    suffix = secrets.token_hex(4)
    password = make_password(None)
    with transaction.atomic():
        programme = Programme.objects.create(
            title="Contention benchmark",
            slug=f"bench-contention-{suffix}",
            summary="A programme made by the academy benchmark.",
            audience="Nobody: it is never published.",
            level=Programme.Level.ESTABLISHED,
            learning_outcomes="Hold a place",
            duration="One day",
            requires_sponsor=True,
            is_published=False,
        )
        cohort = Cohort.objects.create(
            programme=programme,
            name="Benchmark cohort",
            slug="bench",
            starts_on=today + datetime.timedelta(days=60),
            ends_on=today + datetime.timedelta(days=120),
            delivery=Cohort.Delivery.IN_PERSON,
            venue="Bench Hall",
            capacity=capacity,
            price_net=Decimal("2400.00"),
            member_price_net=Decimal("1800.00"),
            vat_rate=Decimal("20.00"),
            applications_close_at=now + datetime.timedelta(days=30),
            status=Cohort.Status.OPEN,
        )
        manager = User.objects.create(
            email=f"bench-pm-{suffix}@bench.example",
            full_name="Benchmark Programme Manager",
            password=password,
        )
        users = User.objects.bulk_create(
            User(
                email=f"bench-applicant-{suffix}-{n}@bench.example",
                full_name=f"Applicant {n}",
                job_title="Head of Digital Services",
                password=password,
            )
            for n in range(applications)
        )
        created = Application.objects.bulk_create(
            Application(
                cohort=cohort,
                applicant=user,
                state=Application.State.UNDER_REVIEW,
                full_name=user.full_name,
                email=user.email,
                role=user.job_title,
                organisation="Bench Borough Council",
                time_in_role=Application.TimeInRole.ONE_TO_3,
                sponsor_name="Alison Reid",
                sponsor_email=f"sponsor-{n}@bench.example",
                motivation="To measure how fast places are given.",
                consent=True,
                sponsor_decision=Application.SponsorDecision.SUPPORTED,
                sponsor_decided_at=now - datetime.timedelta(days=1),
                submitted_at=now - datetime.timedelta(days=2, seconds=applications - n),
            )
            for n, user in enumerate(users)
        )
    return Setup(
        cohort_id=cohort.pk, manager_id=manager.pk, application_ids=[a.pk for a in created]
    )


@dataclass
class Race:
    outcomes: list[tuple[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o, _ in self.outcomes if o == outcome)

    def latency_ms(self, share: float, *, outcome: str | None = None) -> float:
        return quantile_ms([s for o, s in self.outcomes if outcome in (None, o)], share)


def race(items: list, act, *, threads: int) -> Race:
    """Call act(item) for every item from `threads` threads taking from one shared queue.

    Each thread opens its database connection before the clock starts. An
    outcome is "done", "full" (CohortFull), "refused" (another domain error)
    or "error"; each call is timed from the call to its return.
    """
    from django.db import connection, connections

    from academy.exceptions import CohortFull
    from core.exceptions import DomainError

    work: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        work.put(item)
    result = Race()
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)

    def worker() -> None:
        try:
            connection.ensure_connection()
            start.wait()
            while True:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                message = ""
                began = time.perf_counter()
                try:
                    act(item)
                    outcome = "done"
                except CohortFull:
                    outcome = "full"
                except DomainError as error:
                    outcome, message = "refused", f"{type(error).__name__}: {error.message}"
                except Exception as error:
                    outcome, message = "error", f"{type(error).__name__}: {error}"
                seconds = time.perf_counter() - began
                with lock:
                    result.outcomes.append((outcome, seconds))
                    if outcome in ("refused", "error"):
                        result.errors.append(message)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    result.seconds = time.perf_counter() - began
    return result


def last_task_pk() -> int:
    from django.db.models import Max
    from django_q.models import OrmQ

    return OrmQ.objects.aggregate(last=Max("pk"))["last"] or 0


def tasks_queued_since(pk: int) -> Counter:
    """Count the tasks waiting in the ORM broker queued after task `pk`, by function."""
    from django_q.models import OrmQ

    return Counter(str(task.func()) for task in OrmQ.objects.filter(pk__gt=pk))


def check_no_task_runs() -> str:
    """Make sure tasks only wait in this database's broker and no email can leave."""
    from django.conf import settings

    q_cluster = settings.Q_CLUSTER
    if q_cluster.get("sync") or "orm" not in q_cluster:
        raise RuntimeError("Tasks must wait in the ORM broker: run with Q_SYNC off, no REDIS_URL.")
    if not settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        raise RuntimeError(f"Expected the dummy email backend, not {settings.EMAIL_BACKEND}.")
    return settings.EMAIL_BACKEND


def held_on(cohort_id: int) -> tuple[int, int, int]:
    """Return the cohort's capacity, places held, and confirmed enrolments."""
    from academy.models import Cohort, Enrolment
    from academy.selectors import places_taken

    cohort = Cohort.objects.get(pk=cohort_id)
    confirmed = Enrolment.objects.filter(cohort=cohort, state=Enrolment.State.CONFIRMED).count()
    return cohort.capacity, places_taken(cohort=cohort), confirmed


def run_contention(args) -> tuple[dict, Race, Race, Counter, Counter]:
    from django.db import connection

    from academy.models import Application
    from academy.services.applications import Decision, application_decide
    from academy.services.enrolments import enrolment_create
    from accounts.models import User
    from payments.services import Billing

    setup = create_cohort_and_applications(capacity=args.capacity, applications=args.applications)
    manager = User.objects.get(pk=setup.manager_id)
    applications = list(
        Application.objects.filter(pk__in=setup.application_ids).order_by("submitted_at", "pk")
    )
    connection.close()

    print(
        f"Accepting {len(applications)} applications for {args.capacity} places "
        f"from {args.threads} threads ...",
        flush=True,
    )
    mark = last_task_pk()
    decisions = race(
        applications,
        lambda application: application_decide(
            application=application, decision=Decision.ACCEPT, by=manager
        ),
        threads=args.threads,
    )
    decision_tasks = tasks_queued_since(mark)
    capacity, held_after_decisions, _ = held_on(setup.cohort_id)
    accepted = list(
        Application.objects.filter(cohort_id=setup.cohort_id, state=Application.State.ACCEPTED)
        .select_related("applicant")
        .order_by("pk")
    )
    connection.close()

    print(f"Enrolling {len(accepted)} accepted applicants by invoice ...", flush=True)
    mark = last_task_pk()
    enrolments = race(
        accepted,
        lambda application: enrolment_create(
            application=application,
            by=application.applicant,
            payment_method="invoice",
            billing=Billing(
                organisation="Bench Borough Council",
                address="Town Hall\nHigh Street\nBenchton",
                postcode="AB1 2CD",
                purchase_order=f"PO-{application.pk}",
            ),
        ),
        threads=args.threads,
    )
    enrolment_tasks = tasks_queued_since(mark)
    _, held_after_enrolments, confirmed = held_on(setup.cohort_id)
    counts = {
        "capacity": capacity,
        "accepted in the database": len(accepted),
        "held after decisions": held_after_decisions,
        "held after enrolments": held_after_enrolments,
        "confirmed enrolments": confirmed,
    }
    connection.close()
    return counts, decisions, enrolments, decision_tasks, enrolment_tasks


def print_race(title: str, race_: Race, *, done: str, per_second: str, tasks: Counter) -> None:
    print()
    print(title)
    header = f"{'':<34} {'value':>10}"
    print(header)
    print("-" * len(header))
    rows = [
        ("tried", f"{len(race_.outcomes)}"),
        (done, f"{race_.count('done')}"),
        ("refused: cohort full", f"{race_.count('full')}"),
        ("refused: other reason", f"{race_.count('refused')}"),
        ("errors", f"{race_.count('error')}"),
        ("seconds", f"{race_.seconds:.3f}"),
        (per_second, f"{len(race_.outcomes) / race_.seconds if race_.seconds else 0:.1f}"),
        ("p50 latency, all (ms)", f"{race_.latency_ms(0.5):.1f}"),
        ("p95 latency, all (ms)", f"{race_.latency_ms(0.95):.1f}"),
    ]
    if race_.count("full"):
        rows += [
            (f"p50 latency, {done} (ms)", f"{race_.latency_ms(0.5, outcome='done'):.1f}"),
            (f"p95 latency, {done} (ms)", f"{race_.latency_ms(0.95, outcome='done'):.1f}"),
            ("p50 latency, full (ms)", f"{race_.latency_ms(0.5, outcome='full'):.1f}"),
            ("p95 latency, full (ms)", f"{race_.latency_ms(0.95, outcome='full'):.1f}"),
        ]
    for name, value in rows:
        print(f"{name:<34} {value:>10}")
    queued = ", ".join(f"{func} x{n}" for func, n in sorted(tasks.items())) or "none"
    print(f"Tasks queued (not run): {queued}")
    for message, n in Counter(race_.errors).most_common(5):
        print(f"  {n} x {message}")


def print_contention(
    counts: dict,
    decisions: Race,
    enrolments: Race,
    decision_tasks: Counter,
    enrolment_tasks: Counter,
    *,
    args,
    vendor: str,
    email_backend: str,
) -> int:
    sqlite = vendor == "sqlite"
    print()
    print(
        f"Contention on one cohort, in this process: {args.threads} threads, "
        f"{'SQLite' if sqlite else 'PostgreSQL'}, capacity {args.capacity}, "
        f"{args.applications} applications under review"
    )
    if sqlite:
        print(
            "SQLite: one writer at a time (BEGIN IMMEDIATE), so the threads take turns: the "
            "race is serialised, not fought over row locks. Run on PostgreSQL for that."
        )
    locks = (
        "the database's write lock, taken at BEGIN"
        if sqlite
        else "the cohort's row lock, then the application's"
    )
    print(
        f"Timed per call: the service's transaction, waiting for its locks included ({locks}), "
        "and queueing its tasks in django-q2's ORM broker after the commit (one INSERT a task). "
        f"Not timed: running them; no cluster runs and no email is sent ({email_backend}). "
        "Connections are opened before the clock starts."
    )
    print_race(
        "Decisions: application_decide(decision='accept')",
        decisions,
        done="accepted",
        per_second="decisions per second",
        tasks=decision_tasks,
    )
    capacity = counts["capacity"]
    expected = min(capacity, args.applications)
    accepted = decisions.count("done")
    oversold = max(0, counts["held after decisions"] - capacity)
    print()
    print(
        f"accepted: {accepted} (must be {expected}); accepted in the database: "
        f"{counts['accepted in the database']}; places held: {counts['held after decisions']} "
        f"of {capacity}"
    )
    print(f"oversold: {oversold}")

    print_race(
        "Enrolments: enrolment_create(payment_method='invoice')",
        enrolments,
        done="enrolled",
        per_second="enrolments per second",
        tasks=enrolment_tasks,
    )
    oversold_after = max(0, counts["held after enrolments"] - capacity)
    print()
    print(
        f"confirmed enrolments: {counts['confirmed enrolments']} "
        f"(must be {counts['accepted in the database']}); places held: "
        f"{counts['held after enrolments']} of {capacity}"
    )
    print(f"oversold: {oversold_after}")

    consistent = (
        accepted
        == expected
        == counts["accepted in the database"]
        == counts["held after decisions"]
        and counts["confirmed enrolments"] == enrolments.count("done") == accepted
        and counts["held after enrolments"] == accepted
        and not decisions.count("error")
        and not decisions.count("refused")
        and not enrolments.count("error")
        and not enrolments.count("refused")
    )
    if not consistent:
        print("INCONSISTENT: see the counts and errors above")
    return 0 if consistent and not oversold and not oversold_after else 1


# --- The run ------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-academy-"))
    # Tasks wait in this database's broker, never in a Redis a real cluster reads;
    # WARNING keeps django-q's line per queued task out of the timings.
    env = bench_environment(workdir, debug=args.debug, REDIS_URL="", LOG_LEVEL="WARNING")
    try:
        migrate(env)
        # seed_demo makes accounts with a known password, so it insists on DEBUG.
        manage("seed_demo", "--scale", str(args.scale), env=env, debug=True)
        if not args.debug:
            manage("collectstatic", "--noinput", env=env)

        setup_django(env)
        from django.db import connection, connections

        from academy.models import Cohort, Programme
        from academy.selectors import PUBLIC_COHORT_STATES

        if not Programme.objects.filter(slug=PROGRAMME_SLUG, is_published=True).exists():
            raise RuntimeError(f"The seeded database has no published {PROGRAMME_SLUG}.")
        cohorts = Cohort.objects.filter(
            programme__is_published=True, status__in=PUBLIC_COHORT_STATES
        ).count()
        vendor = connection.vendor
        email_backend = check_no_task_runs()
        # gunicorn must not share this process's SQLite connection.
        connections.close_all()

        with gunicorn_serving(
            workdir, env, workers=args.workers, ready_path="/academy/"
        ) as base_url:
            pages = [
                ("academy", "/academy/"),
                ("programme", f"/academy/{PROGRAMME_SLUG}/"),
                ("api list", "/api/v1/programmes/"),
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
                        threads=args.clients,
                        time_limit=args.time_limit,
                    )
                )

        contention = run_contention(args)
        print_reads(results, args=args, cohorts=cohorts)
        result = print_contention(
            *contention, args=args, vendor=vendor, email_backend=email_backend
        )
        if any(r.errors for r in results):
            print(f"\nSome requests failed; see {workdir / 'gunicorn.log'}")
            args.keep = True
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
