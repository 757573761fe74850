"""Every write to orders. Callers hold the transaction; see each docstring."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.money import ZERO, price
from core.tasks import enqueue_on_commit
from payments import hooks
from payments.exceptions import OrderNotPending
from payments.models import Order, OrderLine


@dataclass(frozen=True)
class LineSpec:
    """A line to sell: what it is, how many, and the net price of one."""

    description: str
    quantity: int
    unit_net: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class Billing:
    organisation: str = ""
    address: str = ""
    postcode: str = ""
    vat_number: str = ""
    purchase_order: str = ""


def order_create(
    *,
    booker,
    booker_name: str,
    booker_email: str,
    payment_method: str,
    lines: list[LineSpec],
    billing: Billing | None = None,
    supply_date: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> tuple[Order, list[OrderLine]]:
    """Create an order with its lines, totals and state.

    Run inside the caller's transaction (the one that also creates the places
    the order pays for). A free order is complete at once; an invoice order
    stays pending without expiry until finance marks it paid; a card order
    holds its places for BOOKING_HOLD_MINUTES. Raise ValueError if a free
    order would cost something: callers choose the method from the total.
    """
    now = now or timezone.now()
    billing = billing or Billing()
    priced = []
    total_net = total_vat = ZERO
    for spec in lines:
        unit = price(spec.unit_net, spec.vat_rate)
        net, vat = unit.net * spec.quantity, unit.vat * spec.quantity
        priced.append((spec, unit, net, vat))
        total_net += net
        total_vat += vat
    gross = total_net + total_vat
    if payment_method == Order.PaymentMethod.FREE and gross != ZERO:
        raise ValueError("A free order cannot cost anything.")
    if payment_method != Order.PaymentMethod.FREE and gross == ZERO:
        payment_method = Order.PaymentMethod.FREE

    order = Order(
        booker=booker,
        booker_name=booker_name,
        booker_email=booker_email,
        billing_organisation=billing.organisation,
        billing_address=billing.address,
        billing_postcode=billing.postcode,
        customer_vat_number=billing.vat_number,
        purchase_order=billing.purchase_order,
        payment_method=payment_method,
        total_net=total_net,
        total_vat=total_vat,
        total_gross=gross,
        supply_date=supply_date,
    )
    if payment_method == Order.PaymentMethod.FREE:
        order.state, order.paid_at = Order.State.PAID, now
    elif payment_method == Order.PaymentMethod.CARD:
        order.expires_at = now + datetime.timedelta(minutes=settings.BOOKING_HOLD_MINUTES)
    order.save()
    if payment_method == Order.PaymentMethod.INVOICE:
        enqueue_on_commit("payments.tasks.issue_invoice", order.pk)
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=position,
            description=spec.description,
            quantity=spec.quantity,
            unit_net=unit.net,
            vat_rate=spec.vat_rate,
            net=net,
            vat=vat,
            gross=net + vat,
        )
        for position, (spec, unit, net, vat) in enumerate(priced)
    )
    return order, order_lines


def _lock_pending(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.state != Order.State.PENDING:
        raise OrderNotPending(f"Order {locked.reference} is {locked.get_state_display().lower()}.")
    return locked


def order_mark_paid(*, order: Order, now: datetime.datetime | None = None) -> Order:
    """Mark a pending order paid and let the apps confirm its places.

    Lock the order row. Raise OrderNotPending if it is not pending. Run inside
    the caller's transaction.
    """
    order = _lock_pending(order)
    order.state, order.paid_at, order.expires_at = Order.State.PAID, now or timezone.now(), None
    order.save(update_fields=["state", "paid_at", "expires_at", "updated_at"])
    hooks.notify(hooks.OrderEvent.PAID, order)
    # Card orders get their invoice once paid; invoice orders had theirs at booking.
    enqueue_on_commit("payments.tasks.issue_invoice", order.pk)
    return order


def order_cancel(*, order: Order) -> Order:
    """Cancel a pending order and let the apps release its places.

    Lock the order row. Raise OrderNotPending if it is not pending.
    """
    order = _lock_pending(order)
    order.state = Order.State.CANCELLED
    order.save(update_fields=["state", "updated_at"])
    hooks.notify(hooks.OrderEvent.CANCELLED, order)
    return order


def order_expire_overdue(*, now: datetime.datetime | None = None) -> list[str]:
    """Expire pending card orders whose hold has run out, freeing their places.

    Each order is its own transaction and is skipped if another process has
    it locked (it is being paid right now). Return the references expired.
    """
    now = now or timezone.now()
    expired = []
    overdue = Order.objects.filter(
        state=Order.State.PENDING,
        payment_method=Order.PaymentMethod.CARD,
        expires_at__lte=now,
    ).values_list("pk", flat=True)
    for pk in list(overdue[:500]):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=Order.State.PENDING, expires_at__lte=now)
                .first()
            )
            if order is None:
                continue
            order.state = Order.State.EXPIRED
            order.save(update_fields=["state", "updated_at"])
            hooks.notify(hooks.OrderEvent.EXPIRED, order)
            expired.append(order.reference)
    return expired
