"""booking_create and the changes to a place, through the services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from events.exceptions import (
    ChangeNotAllowed,
    DiscountCodeUsedUp,
    InvalidDiscountCode,
    MembersOnly,
    RegistrationClosed,
    SoldOut,
    TicketUnavailable,
    TooManyPlaces,
)
from events.models import DiscountCode, Event, Registration, RetiredTicketSecret, TicketType
from events.selectors import places_taken
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from events.services.places import (
    registration_cancel,
    registration_transfer,
    registration_update_needs,
)
from payments.models import Order
from payments.services import Billing, order_expire_overdue, order_mark_paid
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.events.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

BILLING = Billing(
    organisation="Conwy County Borough Council",
    address="Bodlondeb\nBangor Road\nConwy",
    postcode="LL32 8DU",
    purchase_order="PO-1234",
)


def delegate(n=1, **overrides):
    return DelegateDetails(
        **{
            "first_name": f"Delegate{n}",
            "last_name": "Jones",
            "email": f"delegate{n}@conwy.gov.uk",
            **overrides,
        }
    )


def book(event, ticket_type, count=1, *, booker=None, method="invoice", **kwargs):
    booker = booker or UserFactory()
    return booking_create(
        event_id=event.pk,
        booker=booker,
        booker_name=booker.full_name,
        booker_email=booker.email,
        places=[PlaceRequest(ticket_type.pk, delegate(n)) for n in range(count)],
        payment_method=method,
        billing=BILLING,
        **kwargs,
    )


@pytest.fixture
def event():
    return EventFactory(capacity=10)


@pytest.fixture
def standard(event):
    return TicketTypeFactory(event=event, name="Standard", price_net=Decimal("195.00"))


def test_invoice_booking_confirms_places_and_prices_the_order(event, standard):
    order = book(event, standard, 2)

    assert order.payment_method == "invoice"
    assert order.state == Order.State.PENDING and order.expires_at is None
    assert (order.total_net, order.total_vat, order.total_gross) == (
        Decimal("390.00"),
        Decimal("78.00"),
        Decimal("468.00"),
    )
    line = order.lines.get()
    assert (line.quantity, line.unit_net, line.description) == (
        2,
        Decimal("195.00"),
        f"{event.title}: Standard",
    )
    places = list(order.event_registrations.all())
    assert [p.state for p in places] == ["confirmed", "confirmed"]
    assert all(len(p.ticket_secret) >= 43 for p in places)  # 256 bits, url-safe
    assert order.purchase_order == "PO-1234"
    assert places_taken(event=event) == 2


def test_free_booking_is_complete_at_once(event):
    free = TicketTypeFactory(event=event, price_net=Decimal("0.00"))

    order = book(event, free, method="invoice")

    assert (order.payment_method, order.state) == ("free", "paid")


def test_card_booking_holds_places_until_it_expires(event, standard, settings):
    settings.BOOKING_HOLD_MINUTES = 30
    order = book(event, standard, 3, method="card")

    assert order.state == "pending"
    assert order.expires_at > timezone.now() + datetime.timedelta(minutes=29)
    assert places_taken(event=event) == 3

    expired = order_expire_overdue(now=timezone.now() + datetime.timedelta(minutes=31))

    assert expired == [order.reference]
    order.refresh_from_db()
    assert order.state == "expired"
    assert set(order.event_registrations.values_list("state", flat=True)) == {"cancelled"}
    assert places_taken(event=event) == 0


def test_paying_a_card_order_confirms_its_places(event, standard):
    order = book(event, standard, 2, method="card")

    order_mark_paid(order=order)

    assert set(order.event_registrations.values_list("state", flat=True)) == {"confirmed"}
    assert order_expire_overdue(now=timezone.now() + datetime.timedelta(days=1)) == []


def test_last_places_then_sold_out_writes_nothing(event, standard):
    book(event, standard, 9)

    with pytest.raises(SoldOut, match="Only 1 place left"):
        book(event, standard, 2)

    assert Order.objects.count() == 1
    assert Registration.objects.count() == 9
    book(event, standard, 1)
    with pytest.raises(SoldOut, match="fully booked") as raised:
        book(event, standard, 1)
    assert raised.value.code == "sold_out"


def test_ticket_type_has_its_own_limit(event):
    early = TicketTypeFactory(event=event, name="Early bird", capacity=2)
    book(event, early, 2)

    with pytest.raises(SoldOut, match="Early bird"):
        book(event, early, 1)


def test_member_only_ticket_is_refused_to_non_members(event):
    members = TicketTypeFactory(event=event, name="Member", audience=TicketType.Audience.MEMBER)
    OrganisationFactory(name="Conwy", domains=["conwy.gov.uk"])

    with pytest.raises(MembersOnly):
        book(event, members, booker=UserFactory(email="someone@example.com"))

    order = book(event, members, booker=UserFactory(email="eira@conwy.gov.uk"))
    assert order.event_registrations.count() == 1


def test_members_only_event_is_refused_to_non_members(standard, event):
    event.members_only = True
    event.save()

    with pytest.raises(MembersOnly):
        book(event, standard)


def test_registration_window_and_status(event, standard):
    event.registration_opens_at = timezone.now() + datetime.timedelta(days=1)
    event.save()
    with pytest.raises(RegistrationClosed, match="opens on"):
        book(event, standard)

    event.registration_opens_at = None
    event.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    event.save()
    with pytest.raises(RegistrationClosed, match="closed"):
        book(event, standard)

    event.registration_closes_at = None
    event.status = Event.Status.CANCELLED
    event.save()
    with pytest.raises(RegistrationClosed, match="cancelled"):
        book(event, standard)


def test_sale_window_hidden_tickets_and_maximum_per_booking(event):
    early = TicketTypeFactory(
        event=event, on_sale_until=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(TicketUnavailable):
        book(event, early)

    comp = TicketTypeFactory(event=event, hidden=True)
    with pytest.raises(TicketUnavailable):
        book(event, comp)

    limited = TicketTypeFactory(event=event, max_per_booking=2)
    with pytest.raises(TooManyPlaces, match="up to 2"):
        book(event, limited, 3)


def test_ticket_of_another_event_is_refused(event):
    other = TicketTypeFactory()

    with pytest.raises(TicketUnavailable):
        book(event, other)


def test_staff_comp_may_use_hidden_ticket_but_not_oversell(event, standard):
    comp = TicketTypeFactory(event=event, name="Speaker", hidden=True, price_net=Decimal("50"))
    staff = UserFactory(is_staff=True)

    order = book(event, comp, booker=staff, staff_comp=True)

    assert (order.payment_method, order.total_gross) == ("free", Decimal("0.00"))
    assert "complimentary" in order.lines.get().description
    book(event, standard, 9)
    with pytest.raises(SoldOut):
        book(event, comp, booker=staff, staff_comp=True)


def test_percentage_discount_is_shown_on_the_line_and_counted(event, standard):
    code = DiscountCode.objects.create(code="share10", kind="percent", value=Decimal("10"))

    order = book(event, standard, 2, discount_code="SHARE10")

    line = order.lines.get()
    assert line.unit_net == Decimal("175.50")
    assert "SHARE10: 10% off" in line.description
    assert order.total_gross == Decimal("421.20")
    code.refresh_from_db()
    assert code.times_used == 1


def test_fixed_discount_never_goes_below_nothing(event):
    cheap = TicketTypeFactory(event=event, price_net=Decimal("20.00"))
    DiscountCode.objects.create(code="BIG", kind="fixed", value=Decimal("50"))

    order = book(event, cheap, discount_code="big")

    assert order.total_gross == Decimal("0.00")
    assert order.payment_method == "free"


def test_discount_code_rules(event, standard):
    other_event = EventFactory()
    DiscountCode.objects.create(code="OTHER", value=Decimal("10"), event=other_event)
    DiscountCode.objects.create(
        code="LATE", value=Decimal("10"), valid_until=timezone.now() - datetime.timedelta(days=1)
    )
    DiscountCode.objects.create(code="ONCE", value=Decimal("10"), usage_limit=1)

    with pytest.raises(InvalidDiscountCode):
        book(event, standard, discount_code="NOPE")
    with pytest.raises(InvalidDiscountCode):
        book(event, standard, discount_code="OTHER")
    with pytest.raises(InvalidDiscountCode, match="not valid today"):
        book(event, standard, discount_code="LATE")
    book(event, standard, discount_code="ONCE")
    with pytest.raises(DiscountCodeUsedUp):
        book(event, standard, discount_code="ONCE")
    assert Order.objects.count() == 1


def test_delegate_with_an_account_is_linked(event, standard):
    colleague = UserFactory(email="delegate0@conwy.gov.uk")

    order = book(event, standard)

    assert order.event_registrations.get().delegate == colleague


# --- cancel, transfer, edit --------------------------------------------------------


def test_cancel_frees_the_place(event, standard):
    place = book(event, standard, 2).event_registrations.first()

    registration_cancel(registration=place)

    place.refresh_from_db()
    assert place.state == "cancelled" and place.cancelled_at
    assert places_taken(event=event) == 1
    with pytest.raises(ChangeNotAllowed, match="already cancelled"):
        registration_cancel(registration=place)


def test_cancel_after_the_cut_off_is_refused_except_for_staff(event, standard):
    event.cancellation_cutoff_days = 14
    event.starts_at = timezone.now() + datetime.timedelta(days=10)
    event.ends_at = event.starts_at + datetime.timedelta(hours=8)
    event.save()
    place = book(event, standard).event_registrations.get()

    with pytest.raises(ChangeNotAllowed, match="no longer be cancelled"):
        registration_cancel(registration=place)
    place.refresh_from_db()
    assert place.state == "confirmed"

    registration_cancel(registration=place, by_staff=True)
    place.refresh_from_db()
    assert place.state == "cancelled"


def test_cancelling_every_place_of_a_pending_card_order_cancels_it(event, standard):
    order = book(event, standard, 1, method="card")

    registration_cancel(registration=order.event_registrations.get())

    order.refresh_from_db()
    assert order.state == "cancelled"


def test_transfer_gives_a_new_secret_and_retires_the_old(event, standard):
    place = book(event, standard).event_registrations.get()
    old_secret = place.ticket_secret
    colleague = UserFactory(email="gwen@conwy.gov.uk")

    registration_transfer(
        registration=place,
        to=DelegateDetails(
            first_name="Gwen", last_name="Roberts", email="GWEN@conwy.gov.uk", dietary="Vegan"
        ),
    )

    place.refresh_from_db()
    assert (place.first_name, place.email, place.dietary) == ("Gwen", "gwen@conwy.gov.uk", "Vegan")
    assert place.delegate == colleague
    assert place.ticket_secret != old_secret
    retired = RetiredTicketSecret.objects.get(secret=old_secret)
    assert (retired.registration, retired.reason) == (place, "transferred")
    assert places_taken(event=event) == 1


def test_transfer_to_the_same_person_is_refused(event, standard):
    place = book(event, standard).event_registrations.get()

    with pytest.raises(ChangeNotAllowed):
        registration_transfer(registration=place, to=delegate(0))


def test_needs_can_be_edited_until_the_cut_off(event, standard, settings):
    settings.DELEGATE_EDIT_CUTOFF_DAYS = 2
    place = book(event, standard).event_registrations.get()

    registration_update_needs(registration=place, dietary="Halal", access_needs="Hearing loop")
    place.refresh_from_db()
    assert (place.dietary, place.access_needs) == ("Halal", "Hearing loop")

    with pytest.raises(ChangeNotAllowed):
        registration_update_needs(
            registration=place,
            dietary="",
            access_needs="",
            now=event.starts_at - datetime.timedelta(days=1),
        )
    place.refresh_from_db()
    assert place.dietary == "Halal"
