"""Money going back: credit notes for cancelled places, refunds of card payments."""

import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import Conflict
from core.money import ZERO, quantize
from core.tasks import enqueue_on_commit
from payments.models import CreditNote, Order, OrderLine, Payment, Refund
from payments.services.documents import (
    CreditLine,
    credit_note_for_amount,
    credit_note_for_lines,
    credited_gross,
    invoice_issue_locked,
)


class RefundNotPossible(Conflict):
    """That refund cannot be made."""

    code = "refund_not_possible"


def _card_payment(order: Order) -> Payment | None:
    return (
        order.payments.filter(method=Payment.Method.CARD, state=Payment.State.SUCCEEDED)
        .order_by("pk")
        .first()
    )


def refundable_amount(order: Order) -> Decimal:
    """Return what can still be refunded to the card that paid the order."""
    payment = _card_payment(order)
    if payment is None:
        return ZERO
    refunded = (
        payment.refunds.exclude(state=Refund.State.FAILED).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return payment.amount - refunded


def _refund_create(*, order: Order, credit_note: CreditNote, amount: Decimal, reason: str, by):
    payment = _card_payment(order)
    amount = min(quantize(amount), refundable_amount(order))
    if payment is None or amount <= ZERO:
        return None
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason,
        credit_note=credit_note,
        requested_by=by,
        idempotency_key=f"refund-{order.reference}-{uuid.uuid4().hex}",
    )
    # Stripe is called after commit, never while the order is locked.
    enqueue_on_commit("payments.tasks.submit_refund", refund.pk)
    return refund


def _settle_state(order: Order, invoice) -> None:
    if credited_gross(invoice) < invoice.total_gross:
        return
    order.state = (
        Order.State.REFUNDED if order.state == Order.State.PAID else Order.State.CANCELLED
    )
    order.save(update_fields=["state", "updated_at"])


def order_line_cancel(
    *, order_line: OrderLine, quantity: int = 1, reason: str, by=None, now=None
) -> CreditNote | None:
    """Account for cancelled places of an order line: a credit note, and a refund if paid by card.

    Run inside the caller's transaction (the one that cancels the places);
    lock the order, then the number sequence. Nothing happens for free
    orders or unpaid card orders (no money moved). An invoice order whose
    invoice has not been issued yet gets it now, so that the credit note
    refers to it. Return the credit note, if one was issued.
    """
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order_line.order_id)
    if order.total_gross == ZERO or order.state in {Order.State.CANCELLED, Order.State.EXPIRED}:
        return None
    if order.payment_method == Order.PaymentMethod.CARD and order.state != Order.State.PAID:
        return None
    invoice = invoice_issue_locked(order=order, now=now)
    if invoice is None:
        return None
    credit_note = credit_note_for_lines(
        invoice=invoice, lines=[CreditLine(order_line, quantity)], reason=reason, now=now
    )
    if order.state == Order.State.PAID:
        _refund_create(
            order=order,
            credit_note=credit_note,
            amount=credit_note.total_gross,
            reason=reason,
            by=by,
        )
    _settle_state(order, invoice)
    return credit_note


@transaction.atomic(durable=True)
def refund_amount(*, order: Order, amount: Decimal, reason: str, by, now=None) -> Refund:
    """Refund any amount up to what the card paid, with a credit note for it.

    Lock the order. Raise RefundNotPossible if the order was not paid by card
    or the amount is more than is left to refund.
    """
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    amount = quantize(amount)
    if not reason.strip():
        raise RefundNotPossible("Give a reason for the refund.")
    if amount <= ZERO:
        raise RefundNotPossible("Enter an amount more than £0.00.")
    left = refundable_amount(order)
    if left <= ZERO:
        raise RefundNotPossible(f"Order {order.reference} has no card payment left to refund.")
    if amount > left:
        raise RefundNotPossible(f"You can refund up to £{left} on order {order.reference}.")
    invoice = invoice_issue_locked(order=order, now=now)
    credit_note = credit_note_for_amount(invoice=invoice, gross=amount, reason=reason, now=now)
    refund = _refund_create(
        order=order, credit_note=credit_note, amount=amount, reason=reason, by=by
    )
    _settle_state(order, invoice)
    return refund
