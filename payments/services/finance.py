"""What the finance desk does: record bank transfers, resend invoices, chase overdue
invoices and clear flags."""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.email import Attachment, send_email
from core.exceptions import Conflict
from core.money import ZERO, quantize
from core.tasks import enqueue_on_commit
from payments.documents import document_pdf_bytes, pay_by_card_url
from payments.models import Invoice, Order, Payment
from payments.services.documents import credited_gross
from payments.services.orders import order_mark_paid

logger = logging.getLogger(__name__)


class PaymentNotRecorded(Conflict):
    """That payment cannot be recorded against the invoice."""

    code = "payment_not_recorded"


def invoice_amount_paid(invoice: Invoice) -> Decimal:
    """Return what has been received against the invoice's order, card and bank together."""
    amounts = Payment.objects.filter(
        order_id=invoice.order_id, state=Payment.State.SUCCEEDED
    ).values_list("amount", flat=True)
    return sum(amounts, ZERO)


def invoice_amount_owed(invoice: Invoice) -> Decimal:
    """Return what is left to pay: the gross, less credit notes, less payments received."""
    owed = invoice.total_gross - credited_gross(invoice) - invoice_amount_paid(invoice)
    return max(owed, ZERO)


@transaction.atomic(durable=True)
def invoice_mark_paid(
    *,
    invoice: Invoice,
    amount: Decimal,
    received_on: datetime.date,
    reference: str,
    by,
    now: datetime.datetime | None = None,
) -> Payment:
    """Record a bank transfer against the invoice; once all is in, mark the order paid.

    Lock the order. A part payment is recorded and the order stays pending.
    Raise PaymentNotRecorded, writing nothing, if the order is not waiting
    for payment or the amount is nothing or more than is owed.
    """
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=invoice.order_id)
    amount = quantize(amount)
    if order.state == Order.State.PAID:
        raise PaymentNotRecorded(f"Invoice {invoice.number} has already been paid.")
    if order.state != Order.State.PENDING:
        raise PaymentNotRecorded(
            f"Invoice {invoice.number} is for an order that is "
            f"{order.get_state_display().lower()}: nothing is owed on it."
        )
    if amount <= ZERO:
        raise PaymentNotRecorded("Enter an amount more than £0.00.")
    if received_on > timezone.localdate(now):
        raise PaymentNotRecorded("The date the money arrived must be today or in the past.")
    owed = invoice_amount_owed(invoice)
    if owed <= ZERO:
        raise PaymentNotRecorded(f"Nothing is owed on invoice {invoice.number}.")
    if amount > owed:
        raise PaymentNotRecorded(
            f"£{amount} is more than is owed on invoice {invoice.number}: £{owed} is left to pay."
        )
    payment = Payment.objects.create(
        order=order,
        method=Payment.Method.BANK_TRANSFER,
        state=Payment.State.SUCCEEDED,
        amount=amount,
        reference=reference.strip(),
        received_on=received_on,
        recorded_by=by,
    )
    if amount == owed:
        order_mark_paid(order=order, now=now)
    return payment


def invoice_resend(*, invoice: Invoice) -> None:
    """Email the invoice to its customer again, in the background."""
    # resend=True: the task otherwise sends each invoice once only.
    enqueue_on_commit("payments.tasks.send_invoice_email", invoice.pk, True)


@transaction.atomic(durable=True)
def order_flag_clear(*, order: Order) -> Order:
    """Clear the order's flag once finance have dealt with it; the reason is kept.

    Lock the order. Clearing an order that is not flagged changes nothing.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.flagged:
        order.flagged = False
        order.save(update_fields=["flagged", "updated_at"])
    return order


def overdue_invoices_to_remind(*, now: datetime.datetime | None = None):
    """Return the invoices to remind about now: unpaid invoice orders past their due day.

    An order is reminded at most every INVOICE_REMINDER_EVERY_DAYS days.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.INVOICE_REMINDER_EVERY_DAYS)
    return (
        Invoice.objects.filter(
            order__payment_method=Order.PaymentMethod.INVOICE,
            order__state=Order.State.PENDING,
            due_on__lt=timezone.localdate(now),
        )
        .filter(Q(order__reminded_at__isnull=True) | Q(order__reminded_at__lte=cutoff))
        .select_related("order")
        .order_by("due_on", "pk")
    )


def _claim_reminder(order: Order, now: datetime.datetime) -> bool:
    """Take the right to remind about the order, so that two workers never both do."""
    cutoff = now - datetime.timedelta(days=settings.INVOICE_REMINDER_EVERY_DAYS)
    claimed = (
        Order.objects.filter(pk=order.pk, state=Order.State.PENDING)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
        .update(reminded_at=now, updated_at=now)
    )
    return claimed == 1


def _reminder_attachments(invoice: Invoice) -> list[Attachment]:
    try:
        content = document_pdf_bytes(invoice)
    except Exception:
        # The reminder matters more than the copy of the invoice: send it anyway.
        logger.exception("No PDF of %s for its overdue reminder", invoice.number)
        return []
    return [Attachment(f"{invoice.number}.pdf", content, "application/pdf")]


def overdue_reminder_send(*, invoice: Invoice, now: datetime.datetime | None = None) -> bool:
    """Email the booker that the invoice is overdue, unless reminded lately; return if sent.

    Claims the reminder first (an update, no lock held while emailing); if
    the email fails the claim is given back so that the next run tries again.
    """
    now = now or timezone.now()
    order = invoice.order
    previous = order.reminded_at
    owed = invoice_amount_owed(invoice)
    if owed <= ZERO or not _claim_reminder(order, now):
        return False
    try:
        send_email(
            to=[order.booker_email],
            template="email/payments/overdue_reminder",
            context={
                "invoice": invoice,
                "order": order,
                "owed": owed,
                "paid": invoice_amount_paid(invoice),
                "seller": invoice.seller,
                "days_overdue": (timezone.localdate(now) - invoice.due_on).days,
                "pay_by_card_url": pay_by_card_url(order),
            },
            attachments=_reminder_attachments(invoice),
            reply_to=[invoice.seller.get("email")] if invoice.seller.get("email") else [],
        )
    except Exception:
        Order.objects.filter(pk=order.pk, reminded_at=now).update(reminded_at=previous)
        raise
    return True


def overdue_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the bookers of overdue invoices, each at most once a period; return how many.

    One failing email is logged and does not stop the others.
    """
    now = now or timezone.now()
    sent = 0
    for invoice in overdue_invoices_to_remind(now=now):
        try:
            sent += overdue_reminder_send(invoice=invoice, now=now)
        except Exception:
            logger.exception("Could not send the overdue reminder for %s", invoice.number)
    return sent
