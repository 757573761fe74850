"""Changes to a delegate's place after booking: cancel, transfer, edit needs, and
what happens to places when their order is paid, cancelled or expires."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.tasks import enqueue_on_commit
from events.exceptions import ChangeNotAllowed
from events.models import Event, Registration, RetiredTicketSecret, new_ticket_secret
from events.services.booking import DelegateDetails
from payments.models import Order
from payments.services.refunds import order_line_cancel

LIVE_STATES = (Registration.State.PENDING, Registration.State.CONFIRMED)


def change_deadline(event: Event) -> datetime.datetime:
    """Return the last moment delegates may cancel or transfer under the event's policy."""
    return event.starts_at - datetime.timedelta(days=event.cancellation_cutoff_days)


def needs_deadline(event: Event) -> datetime.datetime:
    """Return the last moment delegates may edit dietary and access needs."""
    return event.starts_at - datetime.timedelta(days=settings.DELEGATE_EDIT_CUTOFF_DAYS)


def can_change(registration: Registration, *, now=None) -> bool:
    now = now or timezone.now()
    return (
        registration.state in LIVE_STATES
        and registration.event.status == Event.Status.PUBLISHED
        and now <= change_deadline(registration.event)
    )


def can_edit_needs(registration: Registration, *, now=None) -> bool:
    now = now or timezone.now()
    return registration.state in LIVE_STATES and now <= needs_deadline(registration.event)


def _lock(registration: Registration) -> Registration:
    """Lock the event row, then the place: the order every writer of places uses."""
    Event.objects.select_for_update().only("pk").get(pk=registration.event_id)
    return (
        Registration.objects.select_for_update()
        .select_related("event", "order")
        .get(pk=registration.pk)
    )


def _cancel_locked(registration: Registration, *, by_staff: bool, now) -> None:
    """Cancel a place whose event and row the caller has locked."""
    if registration.state == Registration.State.CANCELLED:
        raise ChangeNotAllowed("This place is already cancelled.")
    if not by_staff and not can_change(registration, now=now):
        raise ChangeNotAllowed(
            "Places at this event can no longer be cancelled online. "
            f"Contact {registration.event.organiser_email or 'the organiser'}."
        )
    registration.state = Registration.State.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["state", "cancelled_at", "updated_at"])
    if registration.order_line_id is not None:
        # The money side, in the same transaction: a credit note, and a card
        # refund when the order was paid by card.
        order_line_cancel(
            order_line=registration.order_line,
            quantity=1,
            reason=f"Cancelled place: {registration.full_name}",
        )
    enqueue_on_commit("events.tasks.send_cancellation_email", registration.pk)


def _cancel_order_if_empty(order: Order) -> None:
    if (
        order.state == Order.State.PENDING
        and not order.event_registrations.filter(state__in=LIVE_STATES).exists()
    ):
        from payments.services import order_cancel

        order_cancel(order=order)


@transaction.atomic(durable=True)
def registration_cancel(
    *, registration: Registration, by_staff: bool = False, now: datetime.datetime | None = None
) -> Registration:
    """Cancel one place and free it for the waiting list.

    Lock the event, then the place. Raise ChangeNotAllowed if the place is
    already cancelled, or (unless staff cancel it) the policy's cut-off has
    passed. A pending card order whose places are all cancelled is cancelled
    too. Refunds and credit notes are the payments app's concern.
    """
    now = now or timezone.now()
    registration = _lock(registration)
    _cancel_locked(registration, by_staff=by_staff, now=now)
    # Fresh: crediting the place may have just settled the order.
    _cancel_order_if_empty(Order.objects.get(pk=registration.order_id))
    enqueue_on_commit("events.tasks.offer_freed_places", registration.event_id)
    return registration


@transaction.atomic(durable=True)
def booking_cancel(
    *, order: Order, by_staff: bool = False, now: datetime.datetime | None = None
) -> list[Registration]:
    """Cancel every live place of a booking, all or none.

    Lock the events (by primary key), then the places. Raise ChangeNotAllowed
    when there is nothing left to cancel or the policy refuses any place;
    nothing changes then.
    """
    now = now or timezone.now()
    live = order.event_registrations.filter(state__in=LIVE_STATES)
    event_ids = sorted(set(live.values_list("event_id", flat=True)))
    for event_id in event_ids:
        Event.objects.select_for_update().only("pk").get(pk=event_id)
    places = list(live.select_for_update().select_related("event").order_by("pk"))
    if not places:
        raise ChangeNotAllowed("This booking has no places left to cancel.")
    for registration in places:
        _cancel_locked(registration, by_staff=by_staff, now=now)
    _cancel_order_if_empty(Order.objects.get(pk=order.pk))
    for event_id in event_ids:
        enqueue_on_commit("events.tasks.offer_freed_places", event_id)
    return places


@transaction.atomic(durable=True)
def registration_transfer(
    *,
    registration: Registration,
    to: DelegateDetails,
    by_staff: bool = False,
    now: datetime.datetime | None = None,
) -> Registration:
    """Hand the place to a colleague: new details and a new ticket secret.

    The old secret is retired, so the old ticket no longer admits anyone and
    the door can say why. Lock the event, then the place. Raise
    ChangeNotAllowed after the policy's cut-off (unless staff transfer it).
    Both people are emailed after commit.
    """
    now = now or timezone.now()
    registration = _lock(registration)
    if registration.state == Registration.State.CANCELLED:
        raise ChangeNotAllowed("A cancelled place cannot be transferred.")
    if not by_staff and not can_change(registration, now=now):
        raise ChangeNotAllowed(
            "Places at this event can no longer be transferred online. "
            f"Contact {registration.event.organiser_email or 'the organiser'}."
        )
    email = to.email.strip().lower()
    if email == registration.email:
        raise ChangeNotAllowed("The place already belongs to that email address.")
    previous = {
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
    }
    RetiredTicketSecret.objects.create(
        registration=registration,
        secret=registration.ticket_secret,
        reason=RetiredTicketSecret.Reason.TRANSFERRED,
    )
    registration.ticket_secret = new_ticket_secret()
    registration.first_name = to.first_name.strip()
    registration.last_name = to.last_name.strip()
    registration.email = email
    registration.job_title = to.job_title.strip()
    registration.organisation = to.organisation.strip()
    registration.dietary = to.dietary.strip()
    registration.access_needs = to.access_needs.strip()
    registration.attendee_list_consent = to.attendee_list_consent
    registration.delegate = User.objects.filter(email__iexact=email).first()
    registration.save()

    enqueue_on_commit("events.tasks.send_transfer_emails", registration.pk, previous)
    return registration


@transaction.atomic(durable=True)
def registration_update_needs(
    *,
    registration: Registration,
    dietary: str,
    access_needs: str,
    by_staff: bool = False,
    now: datetime.datetime | None = None,
) -> Registration:
    """Change a place's dietary and access needs.

    Raise ChangeNotAllowed after DELEGATE_EDIT_CUTOFF_DAYS before the event
    (unless staff change them), when caterers and venues have their lists.
    """
    now = now or timezone.now()
    registration = (
        Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    )
    if not by_staff and not can_edit_needs(registration, now=now):
        raise ChangeNotAllowed(
            "Dietary and access needs can no longer be changed online. "
            f"Contact {registration.event.organiser_email or 'the organiser'}."
        )
    registration.dietary = dietary.strip()
    registration.access_needs = access_needs.strip()
    registration.save(update_fields=["dietary", "access_needs", "updated_at"])
    return registration


# --- what happens to places when their order changes (payments.hooks) ---------


def on_order_paid(*, order: Order) -> None:
    """Confirm the order's pending places and send the tickets (after commit)."""
    confirmed = order.event_registrations.filter(state=Registration.State.PENDING).update(
        state=Registration.State.CONFIRMED, updated_at=timezone.now()
    )
    if confirmed:
        enqueue_on_commit("events.tasks.send_booking_emails", order.pk)


def on_order_released(*, order: Order) -> None:
    """Release the places of a cancelled or expired order and offer them on."""
    now = timezone.now()
    events = set(
        order.event_registrations.filter(state__in=LIVE_STATES).values_list("event_id", flat=True)
    )
    order.event_registrations.filter(state__in=LIVE_STATES).update(
        state=Registration.State.CANCELLED, cancelled_at=now, updated_at=now
    )
    for event_id in sorted(events):
        enqueue_on_commit("events.tasks.offer_freed_places", event_id)
