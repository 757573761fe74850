"""Invoices and credit notes: gapless numbers, the figures they print, never changed."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import Conflict
from core.money import ZERO, price, quantize
from core.tasks import enqueue_on_commit
from payments.models import CreditNote, DocumentSequence, Invoice, Order, OrderLine


class NothingToCredit(Conflict):
    """There is nothing left on that invoice to credit."""

    code = "nothing_to_credit"


def document_number_take(*, series: str, year: int) -> int:
    """Take the next number of the series for the year, under the sequence row's lock.

    Call inside the transaction that issues the document: if it rolls back,
    the number is given back, so the series has no gaps. Concurrent issuers
    queue on the row.
    """
    try:
        sequence = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    except DocumentSequence.DoesNotExist:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(series=series, year=year)
        except IntegrityError:
            pass  # another issuer created it first; lock theirs
        sequence = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _format_number(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:05d}"


def _line_dict(description, quantity, unit_net, vat_rate, net, vat) -> dict:
    return {
        "description": description,
        "quantity": quantity,
        "unit_net": str(unit_net),
        "vat_rate": str(vat_rate),
        "net": str(net),
        "vat": str(vat),
        "gross": str(net + vat),
    }


def _customer(order: Order) -> dict:
    return {
        "customer_name": order.billing_organisation or order.booker_name,
        "customer_address": order.billing_address,
        "customer_postcode": order.billing_postcode,
        "customer_email": order.booker_email,
        "customer_vat_number": order.customer_vat_number,
        "purchase_order": order.purchase_order,
    }


def invoice_due_on(*, issued_on: datetime.date, supply_date: datetime.date | None):
    """Return the due date: the payment terms, or the event day if that is sooner."""
    due = issued_on + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
    if settings.INVOICE_DUE_BY_EVENT and supply_date is not None:
        due = min(due, supply_date)
    return max(due, issued_on)


@transaction.atomic(durable=True)
def invoice_issue(*, order: Order, now: datetime.datetime | None = None) -> Invoice | None:
    """Issue the order's invoice, once: number, customer, lines and totals as printed.

    Lock the order, then the number sequence. Return the existing invoice if
    there is one, and None for orders that get no invoice (free, or unpaid
    card orders). The PDF is rendered and the invoice emailed after commit.
    """
    return invoice_issue_locked(order=order, now=now)


def invoice_issue_locked(*, order: Order, now: datetime.datetime | None = None) -> Invoice | None:
    """As invoice_issue, inside the caller's transaction."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    if existing := Invoice.objects.filter(order=order).first():
        return existing
    if order.total_gross == ZERO:
        return None
    invoiceable = order.payment_method == Order.PaymentMethod.INVOICE or (
        order.state == Order.State.PAID
    )
    if not invoiceable or order.state in {Order.State.CANCELLED, Order.State.EXPIRED}:
        return None

    issued_on = timezone.localtime(now).date()
    year = issued_on.year
    number = document_number_take(series=Invoice.SERIES, year=year)
    invoice = Invoice.objects.create(
        number=_format_number(Invoice.SERIES, year, number),
        series=Invoice.SERIES,
        year=year,
        sequence_number=number,
        order=order,
        issued_at=now,
        time_of_supply=order.supply_date or issued_on,
        due_on=invoice_due_on(issued_on=issued_on, supply_date=order.supply_date),
        seller=dict(settings.SELLER),
        lines=[
            _line_dict(
                line.description, line.quantity, line.unit_net, line.vat_rate, line.net, line.vat
            )
            for line in order.lines.all()
        ],
        total_net=order.total_net,
        total_vat=order.total_vat,
        total_gross=order.total_gross,
        **_customer(order),
    )
    enqueue_on_commit("payments.tasks.render_document_pdf", "invoice", invoice.pk)
    enqueue_on_commit("payments.tasks.send_invoice_email", invoice.pk)
    return invoice


@dataclass(frozen=True)
class CreditLine:
    """What to credit from an order line: how many of its units."""

    order_line: OrderLine
    quantity: int


def credited_gross(invoice: Invoice) -> Decimal:
    return sum((c.total_gross for c in invoice.credit_notes.all()), ZERO)


def _credit_note_create(*, invoice: Invoice, lines: list[dict], reason: str, now) -> CreditNote:
    total_net = sum((Decimal(line["net"]) for line in lines), ZERO)
    total_vat = sum((Decimal(line["vat"]) for line in lines), ZERO)
    if total_net + total_vat <= ZERO:
        raise NothingToCredit("A credit note must credit something.")
    if credited_gross(invoice) + total_net + total_vat > invoice.total_gross:
        raise NothingToCredit(
            f"That would credit more than {invoice.number} is for "
            f"(£{invoice.total_gross}, £{credited_gross(invoice)} credited already)."
        )
    issued_on = timezone.localtime(now).date()
    year = issued_on.year
    number = document_number_take(series=CreditNote.SERIES, year=year)
    credit_note = CreditNote.objects.create(
        number=_format_number(CreditNote.SERIES, year, number),
        series=CreditNote.SERIES,
        year=year,
        sequence_number=number,
        order=invoice.order,
        invoice=invoice,
        issued_at=now,
        reason=reason,
        seller=dict(settings.SELLER),
        lines=lines,
        total_net=total_net,
        total_vat=total_vat,
        total_gross=total_net + total_vat,
        customer_name=invoice.customer_name,
        customer_address=invoice.customer_address,
        customer_postcode=invoice.customer_postcode,
        customer_email=invoice.customer_email,
        customer_vat_number=invoice.customer_vat_number,
        purchase_order=invoice.purchase_order,
    )
    enqueue_on_commit("payments.tasks.render_document_pdf", "credit_note", credit_note.pk)
    return credit_note


def credit_note_for_lines(
    *, invoice: Invoice, lines: list[CreditLine], reason: str, now=None
) -> CreditNote:
    """Credit some units of the invoice's lines (one cancelled place, say).

    Run inside the caller's transaction; lock the invoice's order first.
    Raise NothingToCredit when it would credit more than was invoiced.
    """
    now = now or timezone.now()
    Order.objects.select_for_update().get(pk=invoice.order_id)
    priced = []
    for item in lines:
        line = item.order_line
        unit = price(line.unit_net, line.vat_rate)
        priced.append(
            _line_dict(
                f"Credit: {line.description}",
                item.quantity,
                unit.net,
                line.vat_rate,
                unit.net * item.quantity,
                unit.vat * item.quantity,
            )
        )
    return _credit_note_create(invoice=invoice, lines=priced, reason=reason, now=now)


def credit_note_for_amount(
    *, invoice: Invoice, gross: Decimal, reason: str, now=None
) -> CreditNote:
    """Credit an amount (VAT included) from the invoice, split by its VAT rates.

    The VAT is apportioned to each rate in proportion to the invoice's gross
    at that rate, so a partial refund carries the VAT it refunds. Run inside
    the caller's transaction. Raise NothingToCredit if more than is left.
    """
    now = now or timezone.now()
    Order.objects.select_for_update().get(pk=invoice.order_id)
    gross = quantize(gross)
    by_rate: dict[Decimal, Decimal] = {}
    for line in invoice.lines:
        rate = Decimal(line["vat_rate"])
        by_rate[rate] = by_rate.get(rate, ZERO) + Decimal(line["gross"])
    total = sum(by_rate.values(), ZERO)
    if total <= ZERO:
        raise NothingToCredit("There is nothing on that invoice to credit.")
    lines, left = [], gross
    rates = sorted(by_rate)
    for index, rate in enumerate(rates):
        # The last rate takes what rounding left, so the parts add up to the whole.
        share = left if index == len(rates) - 1 else quantize(gross * by_rate[rate] / total)
        left -= share
        net = quantize(share * 100 / (100 + rate))
        lines.append(_line_dict(f"Credit: {reason}", 1, net, rate, net, share - net))
    return _credit_note_create(invoice=invoice, lines=lines, reason=reason, now=now)
