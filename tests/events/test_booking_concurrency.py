"""Many people booking at once never oversell: real threads against PostgreSQL.

SQLite has one writer at a time, so it cannot show a race; these tests are
skipped there, with the reason printed.
"""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections

from events.exceptions import DiscountCodeUsedUp, SoldOut
from events.models import DiscountCode, Registration
from events.selectors import places_taken
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from payments.models import Order
from payments.services import Billing
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrency proof needs PostgreSQL row locks: set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (as .ci/run does)."
        )


def _race(book_one) -> Counter:
    """Run book_one(n) in THREADS threads released together; count the outcomes."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n):
        try:
            barrier.wait()
            try:
                book_one(n)
                outcome = "booked"
            except SoldOut:
                outcome = "sold_out"
            except DiscountCodeUsedUp:
                outcome = "code_used_up"
            except Exception as error:  # any other outcome fails the test
                outcome = f"error: {error!r}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a booking thread hung"
    return Counter(outcomes)


def _booker(n):
    return UserFactory.build(email=f"booker{n}@example.org")


def _place(ticket_type, n):
    return [
        PlaceRequest(
            ticket_type.pk,
            DelegateDetails(first_name=f"D{n}", last_name="Race", email=f"d{n}@example.org"),
        )
    ]


def test_fifty_people_for_the_last_ten_places():
    event = EventFactory(capacity=100)
    ticket = TicketTypeFactory(event=event, price_net=Decimal("0.00"))
    RegistrationFactory.create_batch(90, ticket_type=ticket)
    booker = UserFactory(email="booker@example.org")

    outcomes = _race(
        lambda n: booking_create(
            event_id=event.pk,
            booker=booker,
            booker_name="Booker",
            booker_email=booker.email,
            places=_place(ticket, n),
            payment_method="free",
        )
    )

    assert outcomes == Counter({"booked": 10, "sold_out": 40})
    assert places_taken(event=event) == 100
    assert Registration.objects.filter(event=event, state="confirmed").count() == 100


def test_ticket_type_limit_holds_under_contention():
    event = EventFactory(capacity=500)
    early = TicketTypeFactory(event=event, name="Early bird", capacity=10)
    booker = UserFactory(email="booker@example.org")

    outcomes = _race(
        lambda n: booking_create(
            event_id=event.pk,
            booker=booker,
            booker_name="Booker",
            booker_email=booker.email,
            places=_place(early, n),
            payment_method="invoice",
            billing=Billing(organisation="Oldham Council", address="Civic Centre", postcode="OL1"),
        )
    )

    assert outcomes == Counter({"booked": 10, "sold_out": 40})
    assert Registration.objects.filter(ticket_type=early).count() == 10


def test_discount_code_at_its_usage_limit():
    # Plenty of places, across two events: the code's own row is what they race for.
    events = [EventFactory(capacity=500), EventFactory(capacity=500)]
    tickets = [TicketTypeFactory(event=e, price_net=Decimal("100.00")) for e in events]
    code = DiscountCode.objects.create(code="LEADERS", value=Decimal("20"), usage_limit=10)
    booker = UserFactory(email="booker@example.org")

    outcomes = _race(
        lambda n: booking_create(
            event_id=events[n % 2].pk,
            booker=booker,
            booker_name="Booker",
            booker_email=booker.email,
            places=_place(tickets[n % 2], n),
            payment_method="invoice",
            billing=Billing(organisation="Derby City Council", address="Council House"),
            discount_code="leaders",
        )
    )

    assert outcomes == Counter({"booked": 10, "code_used_up": 40})
    code.refresh_from_db()
    assert code.times_used == 10
    assert Order.objects.filter(lines__description__contains="LEADERS").count() == 10
