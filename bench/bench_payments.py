"""Measure invoice PDFs, the finance ZIP and Stripe webhook events per second.

Reports, on a throwaway database:

1. the seconds to render and store 1,000 invoice PDFs with two worker
   processes, each calling `payments.documents.document_render_pdf` (what
   the `payments.tasks.render_document_pdf` task runs);
2. the seconds to build the ZIP of those 1,000 stored PDFs with
   `payments.selectors.documents_zip_write` (what the finance desk's ZIP
   export runs);
3. webhook events per second: N events signed with Stripe's scheme
   (`t=...,v1=HMAC-SHA256`, with STRIPE_WEBHOOK_SECRET) posted to the
   webhook view in this process (Django's test client: the whole middleware
   stack, no network), then processed by the `process_stripe_event` task
   function, each timed separately. Half are payment_intent.payment_failed
   for real card payments declined on localstripe (processing re-fetches the
   intent from it over HTTP and records the failure); half are of a type
   the webhook stores and marks processed without acting on it.

Run from the project root:

    .venv/bin/python bench/bench_payments.py [--invoices 1000] [--workers 2] [--events 500]

The database is a temporary SQLite file unless DATABASE_URL is set (it is then
migrated and filled: point it at a database you can throw away). localstripe
runs on a free port of 127.0.0.1 for the run. PDFs and the ZIP go to a
temporary directory, removed at the end unless --keep is given.
"""

import argparse
import hashlib
import hmac
import json
import logging
import multiprocessing
import os
import random
import secrets
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from support import BASE_DIR, bench_environment, clean_up, migrate, setup_django, stop_process


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--invoices", type=int, default=1000, help="invoices to issue and render (default 1000)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="processes rendering PDFs (default 2)"
    )
    parser.add_argument(
        "--events", type=int, default=500, help="webhook events to send (default 500)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


def payments_environment(workdir: Path, *, stripe_api_base: str) -> dict[str, str]:
    """Return the benchmark's environment with Stripe pointed at localstripe."""
    return bench_environment(
        workdir,
        # The webhook is posted with Django's test client, whose host is testserver.
        ALLOWED_HOSTS="testserver,127.0.0.1",
        # WeasyPrint logs every step of every PDF at INFO.
        LOG_LEVEL="WARNING",
        STRIPE_WEBHOOK_SECRET=f"whsec_{secrets.token_hex(16)}",
        STRIPE_API_BASE=stripe_api_base,
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_PUBLISHABLE_KEY="pk_test_bench",
    )


@dataclass
class Figure:
    name: str
    count: int
    seconds: float
    unit: str

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


# --- 1,000 invoices ---------------------------------------------------------------


def issue_invoices(*, count: int) -> list[int]:
    """Create `count` invoice orders with two lines each and issue their invoices.

    Orders and lines go in with bulk_create; each invoice is issued by
    `invoice_issue`, so it gets its number from the real gapless sequence.
    The render and email tasks it would queue are left out: the benchmark
    renders the PDFs itself, below.
    """
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from core.money import price
    from payments.models import Order, OrderLine
    from payments.services import documents

    supply = timezone.localdate() + datetime.timedelta(days=60)
    specs = [
        ("Digital leaders summit: member place", 2, Decimal("195.00"), Decimal("20")),
        ("Digital leaders summit: workshop", 1, Decimal("49.99"), Decimal("20")),
    ]
    priced = [(d, q, price(n, r), r) for d, q, n, r in specs]
    net = sum((unit.net * q for _, q, unit, _ in priced), Decimal("0"))
    vat = sum((unit.vat * q for _, q, unit, _ in priced), Decimal("0"))
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                booker_name=f"Booker {n}",
                booker_email=f"booker-{n}@council-{n % 40}.gov.uk",
                billing_organisation=f"Borough Council {n % 40}",
                billing_address=f"{n} High Street\nTown {n % 40}",
                billing_postcode="AB1 2CD",
                purchase_order=f"PO-{100000 + n}",
                payment_method=Order.PaymentMethod.INVOICE,
                total_net=net,
                total_vat=vat,
                total_gross=net + vat,
                supply_date=supply,
            )
            for n in range(count)
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=position,
                description=description,
                quantity=quantity,
                unit_net=unit.net,
                vat_rate=rate,
                net=unit.net * quantity,
                vat=unit.vat * quantity,
                gross=(unit.net + unit.vat) * quantity,
            )
            for order in orders
            for position, (description, quantity, unit, rate) in enumerate(priced)
        )
    queue = documents.enqueue_on_commit
    documents.enqueue_on_commit = lambda *args, **kwargs: None
    try:
        return [documents.invoice_issue(order=order).pk for order in orders]
    finally:
        documents.enqueue_on_commit = queue


# --- Rendering, in worker processes ------------------------------------------------


def _worker_start(warm_up_pk: int) -> None:
    """Start a rendering worker as a qcluster worker would be: its own connection, warm."""
    from django.db import connections

    from payments.documents import document_get, document_pdf_render

    connections.close_all()
    # Fonts and templates load on the first document; a long-running worker has them.
    document_pdf_render(document_get(kind="invoice", pk=warm_up_pk))


def _render_one(pk: int) -> int:
    from payments.documents import document_render_pdf

    return document_render_pdf(kind="invoice", pk=pk).pdf.size


def render_pdfs(pks: list[int], *, workers: int) -> tuple[Figure, int]:
    """Render and store every invoice's PDF with `workers` processes; return the time and bytes."""
    from django.db import connections

    # The workers must not share this process's database connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_start, initargs=(pks[0],)) as pool:
        # Wait until every worker is warm before the clock starts.
        pool.map(time.sleep, [0.05] * workers, chunksize=1)
        started = time.perf_counter()
        sizes = pool.map(_render_one, pks, chunksize=4)
        seconds = time.perf_counter() - started
    return Figure(f"render {len(pks):,} invoice PDFs", len(pks), seconds, "PDFs"), sum(sizes)


# --- The ZIP ----------------------------------------------------------------------


def build_zip(pks: list[int], *, workdir: Path) -> tuple[Figure, int]:
    """Build the ZIP of the stored PDFs as the finance desk's export does; return time, bytes."""
    from payments.models import Invoice
    from payments.selectors import documents_zip_write

    path = workdir / "invoices.zip"
    started = time.perf_counter()
    with path.open("wb") as archive:
        documents = (
            Invoice.objects.filter(pk__in=pks)
            .order_by("issued_at", "sequence_number")
            .iterator(chunk_size=200)
        )
        written, missing = documents_zip_write(documents=documents, fileobj=archive)
    seconds = time.perf_counter() - started
    if written != len(pks) or missing:
        raise RuntimeError(f"The ZIP holds {written} PDFs; missing: {missing[:5]}")
    return Figure(f"ZIP of {written:,} stored PDFs", written, seconds, "PDFs"), path.stat().st_size


# --- Webhook events ---------------------------------------------------------------

WEBHOOK_PATH = "/payments/stripe/webhook/"


def start_localstripe(workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start localstripe on a free port of 127.0.0.1; return the process and its URL."""
    log = (workdir / "localstripe.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "payments.localstripe_server", "--port", "0"],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 30)
    url = process.stdout.readline().strip() if ready else ""
    if not url.startswith("http://127.0.0.1:"):
        process.terminate()
        raise RuntimeError(f"localstripe did not start; see {workdir / 'localstripe.log'}")
    return process, url


def declined_card_payments(*, count: int) -> list[str]:
    """Make `count` card orders whose PaymentIntent (on localstripe) did not go through.

    Each order's payment is started with the real service (an intent on the
    test server and a pending Payment row), then the intent is cancelled on
    the server, so that processing its payment_intent.payment_failed event
    records a failed payment. Return the intents' ids.
    """
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from payments import stripe_gateway
    from payments.models import Order
    from payments.services.card import card_payment_start

    orders = Order.objects.bulk_create(
        Order(
            booker_name=f"Card payer {n}",
            booker_email=f"payer-{n}@council.gov.uk",
            payment_method=Order.PaymentMethod.CARD,
            total_net=Decimal("100.00"),
            total_vat=Decimal("20.00"),
            total_gross=Decimal("120.00"),
            expires_at=timezone.now() + datetime.timedelta(hours=2),
        )
        for n in range(count)
    )
    intents = []
    for order in orders:
        intent_id = card_payment_start(order=order).payment.stripe_payment_intent_id
        stripe_gateway.payment_intent_cancel(intent_id)
        intents.append(intent_id)
    return intents


@dataclass(frozen=True)
class SignedEvent:
    stripe_id: str
    type: str
    body: bytes
    signature: str


def sign_events(*, declined_intents: list[str], others: int, secret: str) -> list[SignedEvent]:
    """Return events as Stripe sends them, signed with Stripe's scheme, in a mixed order.

    One payment_intent.payment_failed per declined intent, and `others` of a
    type the webhook stores and marks processed without acting on it.
    """
    now = int(time.time())
    objects = [
        ("payment_intent.payment_failed", {"id": intent, "object": "payment_intent"})
        for intent in declined_intents
    ]
    objects += [
        ("customer.created", {"id": f"cus_bench_{n}", "object": "customer"}) for n in range(others)
    ]
    random.Random(5).shuffle(objects)
    events = []
    for kind, obj in objects:
        stripe_id = f"evt_{secrets.token_hex(12)}"
        body = json.dumps(
            {
                "id": stripe_id,
                "object": "event",
                "api_version": "2024-06-20",
                "created": now,
                "livemode": False,
                "pending_webhooks": 1,
                "type": kind,
                "data": {"object": obj},
            }
        ).encode()
        mac = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256)
        events.append(SignedEvent(stripe_id, kind, body, f"t={now},v1={mac.hexdigest()}"))
    return events


def receive_events(events: list[SignedEvent]) -> Figure:
    """POST each signed event to the webhook view; every one must be accepted."""
    from django.test import Client

    client = Client()
    # Build the middleware stack before the clock starts; a bad signature stores nothing.
    logging.disable(logging.WARNING)
    try:
        warm = client.post(WEBHOOK_PATH, data=b"{}", content_type="application/json")
    finally:
        logging.disable(logging.NOTSET)
    if warm.status_code != 400:
        raise RuntimeError(f"An unsigned event got {warm.status_code}, not 400")
    refused = []
    started = time.perf_counter()
    for event in events:
        response = client.post(
            WEBHOOK_PATH,
            data=event.body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=event.signature,
        )
        if not 200 <= response.status_code < 300:
            refused.append(response.status_code)
    seconds = time.perf_counter() - started
    if refused:
        raise RuntimeError(f"The webhook refused {len(refused)} events: {refused[:5]}")
    return Figure("webhook: receive (verify, store, queue)", len(events), seconds, "events")


def process_events(events: list[SignedEvent], *, label: str) -> Figure:
    """Run the processing task on each stored event, in arrival order, as a worker would."""
    from payments import tasks
    from payments.models import StripeEvent

    ids = [event.stripe_id for event in events]
    stored = list(
        StripeEvent.objects.filter(stripe_id__in=ids).order_by("pk").values_list("pk", flat=True)
    )
    if len(stored) != len(ids):
        raise RuntimeError(f"{len(ids)} events sent, {len(stored)} stored")
    started = time.perf_counter()
    for pk in stored:
        tasks.process_stripe_event(pk)
    seconds = time.perf_counter() - started
    unprocessed = StripeEvent.objects.filter(pk__in=stored, processed_at__isnull=True).count()
    if unprocessed:
        raise RuntimeError(f"{unprocessed} events were not marked processed")
    return Figure(f"webhook: process {label}", len(stored), seconds, "events")


def check_declines_recorded(intents: list[str]) -> None:
    from payments.models import Payment

    failed = Payment.objects.filter(
        stripe_payment_intent_id__in=intents, state=Payment.State.FAILED
    ).count()
    if failed != len(intents):
        raise RuntimeError(f"{failed} of {len(intents)} declined payments recorded as failed")


# --- The report -------------------------------------------------------------------


def print_report(figures: list[Figure], *, args, database: str, sizes: dict[str, int]) -> None:
    print()
    print(f"{database}; {args.workers} rendering processes; {os.cpu_count()} CPUs; DEBUG off")
    print()
    header = f"{'measure':<44} {'count':>7} {'seconds':>9} {'per second':>11} {'ms each':>9}"
    print(header)
    print("-" * len(header))
    for f in figures:
        each = f.seconds / f.count * 1000 if f.count else float("nan")
        print(f"{f.name:<44} {f.count:>7,} {f.seconds:>9.2f} {f.per_second:>11.1f} {each:>9.2f}")
    print()
    for name, size in sizes.items():
        print(f"{name}: {size / 1024 / 1024:,.1f} MiB")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-payments-"))
    (workdir / "static").mkdir()
    localstripe = None
    try:
        localstripe, stripe_url = start_localstripe(workdir)
        print(f"localstripe is serving on {stripe_url}", flush=True)
        env = payments_environment(workdir, stripe_api_base=stripe_url)
        database = env["DATABASE_URL"].partition("://")[0]
        migrate(env)
        setup_django(env)

        figures, sizes = [], {}
        print(f"Issuing {args.invoices:,} invoices ...", flush=True)
        started = time.perf_counter()
        pks = issue_invoices(count=args.invoices)
        figures.append(
            Figure(
                f"issue {len(pks):,} invoices (1 process)",
                len(pks),
                time.perf_counter() - started,
                "invoices",
            )
        )

        print(f"Rendering their PDFs with {args.workers} processes ...", flush=True)
        rendered, sizes["PDFs stored"] = render_pdfs(pks, workers=args.workers)
        figures.append(rendered)

        print("Building the ZIP ...", flush=True)
        zipped, sizes["ZIP"] = build_zip(pks, workdir=workdir)
        figures.append(zipped)

        declined_count = args.events // 2
        print(f"Starting {declined_count:,} card payments on localstripe ...", flush=True)
        intents = declined_card_payments(count=declined_count)
        events = sign_events(
            declined_intents=intents,
            others=args.events - declined_count,
            secret=env["STRIPE_WEBHOOK_SECRET"],
        )
        print(f"Sending {len(events):,} signed webhook events ...", flush=True)
        figures.append(receive_events(events))
        failed = [e for e in events if e.type == "payment_intent.payment_failed"]
        others = [e for e in events if e.type != "payment_intent.payment_failed"]
        figures.append(process_events(others, label="(type not acted on)"))
        figures.append(process_events(failed, label="(payment_failed: re-fetch)"))
        check_declines_recorded(intents)

        print_report(figures, args=args, database=database, sizes=sizes)
        return 0
    except Exception:
        args.keep = True
        raise
    finally:
        if localstripe is not None:
            stop_process(localstripe, timeout=10)
        clean_up(workdir, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
