"""Check-in decisions, and two devices scanning one ticket at once."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.exceptions import DomainError
from events.exceptions import ChangeNotAllowed
from events.models import CheckIn
from events.services.booking import DelegateDetails
from events.services.checkin import checkin_scan, checkin_undo
from events.services.places import registration_transfer
from payments.models import Order
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(db):
    return RegistrationFactory(ticket_type=TicketTypeFactory(event=EventFactory()))


def scan(place, nonce="n1", **kwargs):
    return checkin_scan(
        event=kwargs.pop("event", place.event),
        secret=kwargs.pop("secret", place.ticket_secret),
        nonce=nonce,
        **kwargs,
    )


def test_first_scan_admits_and_second_says_already(place):
    first = scan(place, "a")
    second = scan(place, "b")

    assert first.result == "ok" and first.checkin.direction == "entry"
    assert second.result == "already_checked_in"
    assert second.previous == first.checkin
    assert CheckIn.objects.count() == 1


def test_a_repeated_nonce_is_the_same_scan(place):
    first = scan(place, "same")
    again = scan(place, "same")

    assert (first.result, again.result) == ("ok", "ok")
    assert again.checkin == first.checkin
    assert CheckIn.objects.count() == 1


def test_exit_then_entry_again(place):
    scan(place, "1")
    assert scan(place, "2", direction="exit").result == "ok"
    assert scan(place, "3").result == "ok"
    assert scan(place, "4", direction="exit").result == "ok"
    assert scan(place, "5", direction="exit").result == "not_checked_in"


@pytest.mark.django_db
def test_refusals():
    event = EventFactory()
    ticket = TicketTypeFactory(event=event)
    cancelled = RegistrationFactory(ticket_type=ticket, state="cancelled")
    card = Order.objects.create(
        booker_name="B", booker_email="b@example.org", payment_method="card"
    )
    unpaid = RegistrationFactory(ticket_type=ticket, state="pending", order=card)
    elsewhere = RegistrationFactory()
    invoice_unpaid = RegistrationFactory(
        ticket_type=ticket
    )  # pending invoice order, confirmed place

    assert scan(cancelled).reason == "cancelled"
    assert scan(unpaid).reason == "unpaid"
    assert scan(elsewhere, event=event).reason == "wrong_event"
    assert checkin_scan(event=event, secret="nonsense", nonce="x").result == "unknown"
    assert scan(invoice_unpaid, "inv").result == "ok"


def test_transferred_ticket_is_refused_and_the_new_one_works(place):
    old = place.ticket_secret
    registration_transfer(
        registration=place,
        to=DelegateDetails(first_name="Gwen", last_name="Roberts", email="gwen@conwy.gov.uk"),
    )
    place.refresh_from_db()

    refused = checkin_scan(event=place.event, secret=old, nonce="old")
    assert (refused.result, refused.reason) == ("invalid", "transferred")
    assert scan(place, "new").result == "ok"


def test_undo_within_a_minute_only(place):
    made = scan(place, "1").checkin
    checkin_undo(checkin=made)
    assert scan(place, "2").result == "ok"

    late = scan(place, "3", direction="exit").checkin
    with pytest.raises(ChangeNotAllowed):
        checkin_undo(checkin=late, now=timezone.now() + datetime.timedelta(minutes=2))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_devices_scanning_one_ticket_at_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL row locks: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )
    for _round in range(10):
        place = RegistrationFactory(ticket_type=TicketTypeFactory(event=EventFactory()))
        barrier = threading.Barrier(2)
        results = []

        def device(name, place=place, barrier=barrier, results=results):
            try:
                barrier.wait()
                results.append(scan(place, f"{name}-{place.pk}", device=name).result)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=device, args=(n,)) for n in ("door-a", "door-b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(results) == ["already_checked_in", "ok"]
        assert CheckIn.objects.filter(registration=place).count() == 1


def test_a_nonce_used_for_another_ticket_is_refused(place):
    other = RegistrationFactory(ticket_type=place.ticket_type)
    scan(place, "dup")

    with pytest.raises(DomainError) as refused:
        scan(other, "dup")

    assert refused.value.code == "nonce_reused"
    assert CheckIn.objects.count() == 1
