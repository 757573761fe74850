"""Booking places: one transaction that checks every rule under the event's row lock."""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_is_member
from core.money import ZERO, quantize
from core.tasks import enqueue_on_commit
from events.exceptions import (
    BookingError,
    DiscountCodeUsedUp,
    InvalidDiscountCode,
    InvalidOffer,
    MembersOnly,
    RegistrationClosed,
    SoldOut,
    TicketUnavailable,
    TooManyPlaces,
)
from events.models import DiscountCode, Event, Registration, TicketType, WaitingListEntry
from events.selectors import places_taken, ticket_type_places_taken
from payments.models import Order
from payments.services import Billing, LineSpec, order_create

NO_BILLING = Billing()

# One booking may hold at most this many places, whatever the ticket types allow.
MAX_PLACES_PER_BOOKING = 50


@dataclass(frozen=True)
class DelegateDetails:
    first_name: str
    last_name: str
    email: str
    job_title: str = ""
    organisation: str = ""
    dietary: str = ""
    access_needs: str = ""
    attendee_list_consent: bool = False


@dataclass(frozen=True)
class PlaceRequest:
    ticket_type_id: int
    delegate: DelegateDetails


def discounted_unit_net(unit_net: Decimal, code: DiscountCode | None) -> Decimal:
    """Return the net price of one place after the code's discount, never below zero."""
    if code is None:
        return unit_net
    if code.kind == DiscountCode.Kind.PERCENT:
        return quantize(unit_net * (100 - code.value) / 100)
    return max(ZERO, quantize(unit_net - code.value))


def _check_event_open(event: Event, *, now, staff_comp: bool) -> None:
    if event.status != Event.Status.PUBLISHED:
        raise RegistrationClosed(
            "This event has been cancelled."
            if event.is_cancelled
            else "This event is not open for booking."
        )
    if event.ends_at <= now:
        raise RegistrationClosed("This event has already taken place.")
    if staff_comp:
        return
    if event.registration_opens_at and now < event.registration_opens_at:
        opens = timezone.localtime(event.registration_opens_at)
        raise RegistrationClosed(f"Registration opens on {opens:%-d %B %Y at %H:%M}.")
    if now >= event.registration_closes:
        raise RegistrationClosed("Registration for this event has closed.")


def _check_ticket_type(
    ticket_type: TicketType, *, now, is_member: bool, staff_comp: bool, count: int
) -> None:
    if staff_comp:
        return
    if ticket_type.hidden:
        raise TicketUnavailable(f"“{ticket_type.name}” tickets are not on sale.")
    if ticket_type.audience == TicketType.Audience.MEMBER and not is_member:
        raise MembersOnly(
            f"“{ticket_type.name}” tickets are for members only. Sign in with a verified "
            "email address at a member organisation, or choose another ticket."
        )
    if not ticket_type.on_sale_at(now):
        raise TicketUnavailable(f"“{ticket_type.name}” tickets are not on sale now.")
    if count > ticket_type.max_per_booking:
        raise TooManyPlaces(
            f"You can book up to {ticket_type.max_per_booking} “{ticket_type.name}” "
            f"place{'s' if ticket_type.max_per_booking != 1 else ''} at a time."
        )


def _lock_discount_code(raw: str, *, event: Event, now, lock: bool = True) -> DiscountCode | None:
    if not raw.strip():
        return None
    codes = DiscountCode.objects.select_for_update() if lock else DiscountCode.objects.all()
    code = (
        codes.annotate(upper=Upper("code")).filter(upper=raw.strip().upper(), active=True).first()
    )
    if code is None or (code.event_id is not None and code.event_id != event.pk):
        raise InvalidDiscountCode(f"“{raw.strip()}” is not a discount code for this event.")
    too_early = code.valid_from and now < code.valid_from
    if too_early or (code.valid_until and now > code.valid_until):
        raise InvalidDiscountCode(f"The discount code “{code.code}” is not valid today.")
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise DiscountCodeUsedUp(f"The discount code “{code.code}” has been used up.")
    return code


def _lock_offer(token: str, *, event: Event, now, lock: bool = True) -> WaitingListEntry | None:
    if not token:
        return None
    entries = WaitingListEntry.objects.select_for_update() if lock else WaitingListEntry.objects
    entry = entries.filter(offer_token=token, event=event).first()
    if entry is None or entry.state != WaitingListEntry.State.OFFERED:
        raise InvalidOffer("That waiting-list offer is not open. It may have been used already.")
    if entry.offer_expires_at <= now:
        raise InvalidOffer("That waiting-list offer has expired.")
    return entry


def discount_code_check(*, event: Event, code: str, now=None) -> DiscountCode | None:
    """Return the discount code a booker typed, or raise what booking_create would.

    For an early, friendly answer in the booking flow; it locks nothing, so
    booking_create still has the last word.
    """
    return _lock_discount_code(code, event=event, now=now or timezone.now(), lock=False)


def offer_check(*, event: Event, token: str, now=None) -> WaitingListEntry | None:
    """Return the open waiting-list offer for the token, or raise InvalidOffer."""
    return _lock_offer(token, event=event, now=now or timezone.now(), lock=False)


@transaction.atomic(durable=True)
def booking_create(
    *,
    event_id: int,
    booker: User | None,
    booker_name: str,
    booker_email: str,
    places: list[PlaceRequest],
    payment_method: str,
    billing: Billing = NO_BILLING,
    discount_code: str = "",
    offer_token: str = "",
    staff_comp: bool = False,
    now: datetime.datetime | None = None,
) -> Order:
    """Book places at an event and create the order that pays for them.

    Lock the event row first, then the discount code and the waiting-list
    offer, so that concurrent bookings queue on the event and can never
    oversell it or one of its ticket types. Raise SoldOut when there is no
    room, RegistrationClosed, MembersOnly, TicketUnavailable, TooManyPlaces,
    InvalidDiscountCode, DiscountCodeUsedUp or InvalidOffer when a rule
    refuses the booking; nothing is written then.

    `staff_comp` books complimentary places for staff: hidden tickets and
    closed registration are allowed, the price is nil, capacity still holds.
    Emails go after commit.
    """
    now = now or timezone.now()
    if not places:
        raise BookingError("Choose at least one place.")
    if len(places) > MAX_PLACES_PER_BOOKING:
        raise TooManyPlaces(f"One booking can hold up to {MAX_PLACES_PER_BOOKING} places.")

    event = Event.objects.select_for_update().get(pk=event_id)
    _check_event_open(event, now=now, staff_comp=staff_comp)
    is_member = user_is_member(user=booker) if booker is not None else False
    if event.members_only and not (is_member or staff_comp):
        raise MembersOnly("This event is for members only.")

    counts = Counter(p.ticket_type_id for p in places)
    ticket_types = {
        t.pk: t for t in TicketType.objects.filter(event=event, pk__in=counts).order_by("pk")
    }
    if missing := set(counts) - set(ticket_types):
        raise TicketUnavailable(f"Ticket {min(missing)} is not sold for this event.")
    for pk, count in counts.items():
        _check_ticket_type(
            ticket_types[pk], now=now, is_member=is_member, staff_comp=staff_comp, count=count
        )

    code = None if staff_comp else _lock_discount_code(discount_code, event=event, now=now)
    offer = _lock_offer(offer_token, event=event, now=now)

    # Capacity, under the event's lock: every booking of this event waits here.
    left = event.capacity - places_taken(event=event, now=now, excluding_offer=offer)
    if len(places) > left:
        raise SoldOut(
            "This event is fully booked."
            if left <= 0
            else f"Only {left} place{'s' if left != 1 else ''} left at this event."
        )
    for pk, count in counts.items():
        ticket_type = ticket_types[pk]
        if ticket_type.capacity is None:
            continue
        left = ticket_type.capacity - ticket_type_places_taken(ticket_type=ticket_type, now=now)
        if count > left:
            raise SoldOut(
                f"“{ticket_type.name}” tickets are sold out."
                if left <= 0
                else f"Only {left} “{ticket_type.name}” place{'s' if left != 1 else ''} left."
            )

    lines = []
    for pk in counts:
        ticket_type = ticket_types[pk]
        description = f"{event.title}: {ticket_type.name}"
        unit_net = discounted_unit_net(ticket_type.price_net, code)
        if staff_comp:
            unit_net, description = ZERO, f"{description} (complimentary)"
        elif code is not None and unit_net != ticket_type.price_net:
            description = f"{description} (discount {code.label})"
        lines.append(LineSpec(description, counts[pk], unit_net, ticket_type.vat_rate))

    costs_money = any(line.unit_net > ZERO for line in lines)
    if payment_method == Order.PaymentMethod.FREE and costs_money and not staff_comp:
        raise BookingError(
            "These places cost money: choose to pay by invoice or by card.",
            code="payment_method_required",
        )
    order, order_lines = order_create(
        booker=booker,
        booker_name=booker_name,
        booker_email=booker_email,
        payment_method=Order.PaymentMethod.FREE if staff_comp else payment_method,
        lines=lines,
        billing=billing,
        supply_date=timezone.localtime(event.starts_at).date(),
        now=now,
    )
    line_for = dict(zip(counts, order_lines, strict=True))

    # Invoice and free orders confirm places now; a card order's wait for payment.
    state = (
        Registration.State.PENDING
        if order.state == Order.State.PENDING and order.payment_method == Order.PaymentMethod.CARD
        else Registration.State.CONFIRMED
    )
    emails = {p.delegate.email.strip().lower() for p in places}
    accounts = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    Registration.objects.bulk_create(
        Registration(
            event=event,
            ticket_type=ticket_types[p.ticket_type_id],
            order=order,
            order_line=line_for[p.ticket_type_id],
            state=state,
            first_name=p.delegate.first_name.strip(),
            last_name=p.delegate.last_name.strip(),
            email=p.delegate.email.strip().lower(),
            job_title=p.delegate.job_title.strip(),
            organisation=p.delegate.organisation.strip(),
            dietary=p.delegate.dietary.strip(),
            access_needs=p.delegate.access_needs.strip(),
            attendee_list_consent=p.delegate.attendee_list_consent,
            delegate=accounts.get(p.delegate.email.strip().lower()),
        )
        for p in places
    )

    if code is not None:
        code.times_used += 1
        code.save(update_fields=["times_used", "updated_at"])
    if offer is not None:
        offer.state = WaitingListEntry.State.BOOKED
        offer.save(update_fields=["state", "updated_at"])

    enqueue_on_commit("events.tasks.send_booking_emails", order.pk)
    return order
