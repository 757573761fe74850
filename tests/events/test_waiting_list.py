"""The waiting list: a freed place goes to the first in line, held for a while."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from events.exceptions import BookingError, InvalidOffer, SoldOut
from events.models import WaitingListEntry
from events.selectors import places_taken
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from events.services.places import registration_cancel
from events.services.waiting_list import (
    waiting_list_expire_offers,
    waiting_list_join,
    waiting_list_move,
    waiting_list_offer_places,
    waiting_list_remove,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, RegistrationFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_event():
    event = EventFactory(capacity=2)
    ticket = TicketTypeFactory(event=event, price_net=Decimal("0.00"))
    RegistrationFactory.create_batch(2, ticket_type=ticket)
    return event


def _book_with_offer(event, entry, *, email="late@example.org"):
    """Book one free place, redeeming the entry's offer (or none when entry is None)."""
    booker = UserFactory(email=email)
    return booking_create(
        event_id=event.pk,
        booker=booker,
        booker_name="Late",
        booker_email=booker.email,
        places=[
            PlaceRequest(
                event.ticket_types.get().pk,
                DelegateDetails(first_name="Late", last_name="Comer", email=email),
            )
        ],
        payment_method="free",
        offer_token=entry.offer_token if entry else "",
    )


def test_join_only_when_full():
    event = EventFactory(capacity=5)

    with pytest.raises(BookingError, match="book one instead"):
        waiting_list_join(event=event, email="a@example.org")


def test_join_keeps_order_and_refuses_the_same_address_twice(full_event):
    first = waiting_list_join(event=full_event, email="first@example.org", name="First")
    second = waiting_list_join(event=full_event, email="Second@Example.org")

    assert (first.position, second.position) == (1, 2)
    assert second.email == "second@example.org"
    with pytest.raises(BookingError, match="already on the waiting list"):
        waiting_list_join(event=full_event, email="FIRST@example.org")


def test_freed_place_is_offered_to_the_first_in_line_and_held(full_event, settings):
    settings.WAITING_LIST_OFFER_HOURS = 48
    first = waiting_list_join(event=full_event, email="first@example.org")
    second = waiting_list_join(event=full_event, email="second@example.org")

    registration_cancel(registration=full_event.registrations.first(), by_staff=True)
    offered = waiting_list_offer_places(event_id=full_event.pk)

    assert offered == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("offered", "waiting")
    assert first.offer_expires_at > timezone.now() + datetime.timedelta(hours=47)
    # The offer holds the place: nobody else can book it.
    assert places_taken(event=full_event) == 2
    with pytest.raises(SoldOut):
        _book_with_offer(full_event, None, email="queue-jumper@example.org")


def test_offer_turns_into_a_booking_once(full_event):
    entry = waiting_list_join(event=full_event, email="first@example.org")
    registration_cancel(registration=full_event.registrations.first(), by_staff=True)
    waiting_list_offer_places(event_id=full_event.pk)
    entry.refresh_from_db()

    order = _book_with_offer(full_event, entry)

    entry.refresh_from_db()
    assert entry.state == "booked"
    assert order.event_registrations.count() == 1
    assert places_taken(event=full_event) == 2
    with pytest.raises(InvalidOffer):
        _book_with_offer(full_event, entry, email="again@example.org")


def test_expired_offer_passes_to_the_next_person(full_event):
    first = waiting_list_join(event=full_event, email="first@example.org")
    second = waiting_list_join(event=full_event, email="second@example.org")
    registration_cancel(registration=full_event.registrations.first(), by_staff=True)
    waiting_list_offer_places(event_id=full_event.pk)
    later = timezone.now() + datetime.timedelta(hours=49)

    assert waiting_list_expire_offers(now=later) == 1
    waiting_list_offer_places(event_id=full_event.pk, now=later)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("expired", "offered")
    first.offer_expires_at = later - datetime.timedelta(hours=1)
    with pytest.raises(InvalidOffer):
        _book_with_offer(full_event, first)


def test_cancellation_offers_the_place_by_itself(
    full_event, mailoutbox, django_capture_on_commit_callbacks
):
    entry = waiting_list_join(event=full_event, email="first@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=full_event.registrations.first(), by_staff=True)

    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED


def test_staff_reorder_and_remove(full_event):
    a = waiting_list_join(event=full_event, email="a@example.org")
    b = waiting_list_join(event=full_event, email="b@example.org")
    c = waiting_list_join(event=full_event, email="c@example.org")

    waiting_list_move(entry=c, to_position=1)
    order = list(full_event.waiting_list.order_by("position").values_list("email", flat=True))
    assert order == ["c@example.org", "a@example.org", "b@example.org"]

    waiting_list_remove(entry=a)
    registration_cancel(registration=full_event.registrations.first(), by_staff=True)
    waiting_list_offer_places(event_id=full_event.pk)
    c.refresh_from_db()
    b.refresh_from_db()
    assert (c.state, b.state) == ("offered", "waiting")
