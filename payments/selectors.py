"""Reads for the finance desk: invoices and credit notes with their status and
totals, payments, flagged orders, and the ledger export and ZIP of PDFs."""

import datetime
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import ZERO, quantize
from payments.models import CreditNote, Invoice, Order, OrderLine, Payment, Refund

MONEY = DecimalField(max_digits=12, decimal_places=2)
# SQLite sums decimals as floating point: compare to within half a penny, which
# is exact for amounts that are whole pennies, on every database.
HALF_PENNY = Decimal("0.005")


class InvoiceStatus:
    """An invoice's status is worked out, never stored."""

    PAID = "paid"
    PART_PAID = "part_paid"
    UNPAID = "unpaid"
    OVERDUE = "overdue"
    CREDITED = "credited"
    LABELS = {
        PAID: "Paid",
        PART_PAID: "Part paid",
        UNPAID: "Unpaid",
        OVERDUE: "Overdue",
        CREDITED: "Credited",
    }


# A filter value that is not a status: every invoice still waiting for money.
OUTSTANDING = "outstanding"
OUTSTANDING_STATUSES = (InvoiceStatus.UNPAID, InvoiceStatus.PART_PAID, InvoiceStatus.OVERDUE)


@dataclass(frozen=True)
class DocumentFilters:
    """What the finance desk narrows invoices and credit notes by. Empty means any."""

    issued_from: datetime.date | None = None
    issued_to: datetime.date | None = None
    status: str = ""
    # Free text matched against the order's line descriptions (they name the event).
    event: str = ""
    organisation: str = ""
    # An invoice or credit note number, purchase order number or booking reference.
    search: str = ""

    @property
    def any(self) -> bool:
        return any(
            (
                self.issued_from,
                self.issued_to,
                self.status,
                self.event,
                self.organisation,
                self.search,
            )
        )


@dataclass(frozen=True)
class Totals:
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    count: int = 0

    def __sub__(self, other: "Totals") -> "Totals":
        return Totals(
            net=self.net - other.net,
            vat=self.vat - other.vat,
            gross=self.gross - other.gross,
            count=self.count - other.count,
        )


def _money_sum(queryset) -> Coalesce:
    return Coalesce(Subquery(queryset), Value(ZERO), output_field=MONEY)


def invoices_with_status(*, today: datetime.date | None = None) -> QuerySet[Invoice]:
    """Return invoices annotated with `paid` and `credited` (gross) and `status` as of `today`.

    Credited: credit notes cover the whole invoice. Paid: the order is paid,
    or payments cover what is left after credit notes. Overdue: not paid
    and past the due day. Part paid: some money in, not yet due. Unpaid:
    nothing in, not yet due.
    """
    today = today or timezone.localdate()
    paid = (
        Payment.objects.filter(order=OuterRef("order"), state=Payment.State.SUCCEEDED)
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    credited = (
        CreditNote.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("total_gross"))
        .values("total")
    )
    return Invoice.objects.annotate(paid=_money_sum(paid), credited=_money_sum(credited)).annotate(
        status=Case(
            When(
                credited__gte=F("total_gross") - Value(HALF_PENNY),
                then=Value(InvoiceStatus.CREDITED),
            ),
            When(
                Q(order__state__in=[Order.State.PAID, Order.State.REFUNDED])
                | Q(paid__gte=F("total_gross") - F("credited") - Value(HALF_PENNY)),
                then=Value(InvoiceStatus.PAID),
            ),
            When(due_on__lt=today, then=Value(InvoiceStatus.OVERDUE)),
            When(paid__gt=HALF_PENNY, then=Value(InvoiceStatus.PART_PAID)),
            default=Value(InvoiceStatus.UNPAID),
            output_field=CharField(),
        )
    )


def _lines_mention(text: str) -> Exists:
    return Exists(OrderLine.objects.filter(order=OuterRef("order"), description__icontains=text))


def _common_filters(queryset: QuerySet, filters: DocumentFilters) -> QuerySet:
    # Days in Europe/London: a document issued at 00:30 BST belongs to that day.
    if filters.issued_from:
        queryset = queryset.filter(issued_at__date__gte=filters.issued_from)
    if filters.issued_to:
        queryset = queryset.filter(issued_at__date__lte=filters.issued_to)
    if filters.organisation:
        queryset = queryset.filter(customer_name__icontains=filters.organisation)
    if filters.event:
        queryset = queryset.filter(_lines_mention(filters.event))
    return queryset


def _status_filter(queryset: QuerySet, status: str, field: str = "status") -> QuerySet:
    if status == OUTSTANDING:
        return queryset.filter(**{f"{field}__in": OUTSTANDING_STATUSES})
    if status in InvoiceStatus.LABELS:
        return queryset.filter(**{field: status})
    return queryset


def invoice_list(*, filters: DocumentFilters, today=None) -> QuerySet[Invoice]:
    """Return the invoices that match, newest first, with their status and order."""
    invoices = _common_filters(invoices_with_status(today=today), filters)
    invoices = _status_filter(invoices, filters.status)
    if filters.search:
        term = filters.search.strip()
        invoices = invoices.filter(
            Q(number__iexact=term)
            | Q(purchase_order__icontains=term)
            | Q(order__reference__iexact=term)
        )
    return invoices.select_related("order").order_by("-issued_at", "-sequence_number")


def credit_note_list(*, filters: DocumentFilters, today=None) -> QuerySet[CreditNote]:
    """Return the credit notes that match, newest first.

    The status filter picks credit notes whose invoice has that status.
    """
    credit_notes = _common_filters(CreditNote.objects.all(), filters)
    if filters.status:
        invoices = _status_filter(invoices_with_status(today=today), filters.status)
        credit_notes = credit_notes.filter(invoice__in=invoices.values("pk"))
    if filters.search:
        term = filters.search.strip()
        credit_notes = credit_notes.filter(
            Q(number__iexact=term)
            | Q(invoice__number__iexact=term)
            | Q(purchase_order__icontains=term)
            | Q(order__reference__iexact=term)
        )
    return credit_notes.select_related("order", "invoice").order_by(
        "-issued_at", "-sequence_number"
    )


def document_totals(queryset: QuerySet) -> Totals:
    """Add up net, VAT and gross of the documents in the database, to the penny."""
    sums = queryset.order_by().aggregate(
        net=Coalesce(Sum("total_net"), Value(ZERO), output_field=MONEY),
        vat=Coalesce(Sum("total_vat"), Value(ZERO), output_field=MONEY),
        gross=Coalesce(Sum("total_gross"), Value(ZERO), output_field=MONEY),
    )
    return Totals(
        net=quantize(sums["net"]),
        vat=quantize(sums["vat"]),
        gross=quantize(sums["gross"]),
        count=queryset.count(),
    )


def invoice_get(*, number: str, today=None) -> Invoice:
    """Return one invoice with its status; raise Invoice.DoesNotExist."""
    return invoices_with_status(today=today).select_related("order").get(number=number)


def invoice_for_order(*, order: Order, today=None) -> Invoice | None:
    return invoices_with_status(today=today).filter(order=order).first()


def order_get(*, reference: str) -> Order:
    """Return one order; raise Order.DoesNotExist."""
    return Order.objects.get(reference=reference)


def order_payments(*, order: Order) -> QuerySet[Payment]:
    return order.payments.select_related("recorded_by").order_by("created_at", "pk")


def order_refunds(*, order: Order) -> QuerySet[Refund]:
    return (
        Refund.objects.filter(payment__order=order)
        .select_related("credit_note", "requested_by")
        .order_by("created_at", "pk")
    )


def order_credit_notes(*, order: Order) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(order=order).order_by("issued_at", "sequence_number")


# --- Payments ----------------------------------------------------------------------


def payment_list(
    *,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    method: str = "",
    state: str = "",
) -> QuerySet[Payment]:
    """Return card and bank payments, newest first.

    A bank transfer's day is the day the money arrived; a card payment's is
    the day it was made.
    """
    payments = Payment.objects.select_related("order", "recorded_by")
    if received_from:
        payments = payments.filter(
            Q(received_on__gte=received_from)
            | Q(received_on__isnull=True, created_at__date__gte=received_from)
        )
    if received_to:
        payments = payments.filter(
            Q(received_on__lte=received_to)
            | Q(received_on__isnull=True, created_at__date__lte=received_to)
        )
    if method:
        payments = payments.filter(method=method)
    if state:
        payments = payments.filter(state=state)
    return payments.order_by("-created_at", "-pk")


def payment_total(payments: QuerySet[Payment]) -> Decimal:
    """Add up the money received among the payments (succeeded ones only)."""
    total = (
        payments.filter(state=Payment.State.SUCCEEDED)
        .order_by()
        .aggregate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY))["total"]
    )
    return quantize(total)


def flagged_orders() -> QuerySet[Order]:
    """Return the orders flagged for finance (disputes, money that did not match)."""
    invoice_number = Invoice.objects.filter(order=OuterRef("pk")).values("number")[:1]
    return (
        Order.objects.filter(flagged=True)
        .annotate(invoice_number=Subquery(invoice_number))
        .order_by("-updated_at", "-pk")
    )


def overdue_invoices(*, today: datetime.date | None = None) -> QuerySet[Invoice]:
    """Return invoices whose order still waits for money after the due day."""
    return invoice_list(filters=DocumentFilters(status=InvoiceStatus.OVERDUE), today=today)


# --- The ledger export and the ZIP of PDFs ---------------------------------------

LEDGER_COLUMNS = [
    "Number",
    "Kind",
    "Date",
    "Customer",
    "Purchase order",
    "Net",
    "VAT",
    "Gross",
    "Status",
    "Paid on",
    "Stripe id",
    "Order reference",
]


def _succeeded(payments: Iterable[Payment]) -> list[Payment]:
    return [p for p in payments if p.state == Payment.State.SUCCEEDED]


def _paid_on(invoice: Invoice) -> str:
    if invoice.status != InvoiceStatus.PAID:
        return ""
    days = [
        p.received_on or timezone.localdate(p.created_at)
        for p in _succeeded(invoice.order.payments.all())
    ]
    if days:
        return max(days).isoformat()
    if invoice.order.paid_at:
        return timezone.localdate(invoice.order.paid_at).isoformat()
    return ""


def _stripe_payment_intent(invoice: Invoice) -> str:
    return " ".join(
        p.stripe_payment_intent_id
        for p in _succeeded(invoice.order.payments.all())
        if p.method == Payment.Method.CARD and p.stripe_payment_intent_id
    )


def credit_note_status(credit_note: CreditNote) -> str:
    """Say what became of a credit note's money: credited only, or refunded to a card."""
    refunds = list(credit_note.refunds.all())
    if not refunds:
        return "Credited"
    states = {refund.state for refund in refunds}
    if Refund.State.FAILED in states:
        return "Refund failed"
    if Refund.State.PENDING in states:
        return "Refund pending"
    return "Refunded"


def ledger_rows(
    *, invoices: QuerySet[Invoice], credit_notes: QuerySet[CreditNote]
) -> Iterator[list]:
    """Yield one row of LEDGER_COLUMNS per invoice and per credit note, oldest first.

    Figures are as printed (credit notes positive; the Kind column tells
    them apart). For a credit note, "Stripe id" is the refund's id.
    """
    payments = Prefetch("order__payments", queryset=Payment.objects.order_by("pk"))
    for invoice in (
        invoices.order_by("issued_at", "sequence_number")
        .prefetch_related(payments)
        .iterator(chunk_size=500)
    ):
        yield [
            invoice.number,
            "invoice",
            timezone.localdate(invoice.issued_at).isoformat(),
            invoice.customer_name,
            invoice.purchase_order,
            invoice.total_net,
            invoice.total_vat,
            invoice.total_gross,
            InvoiceStatus.LABELS[invoice.status],
            _paid_on(invoice),
            _stripe_payment_intent(invoice),
            invoice.order.reference,
        ]
    for credit_note in (
        credit_notes.order_by("issued_at", "sequence_number")
        .prefetch_related("refunds")
        .iterator(chunk_size=500)
    ):
        refunds = credit_note.refunds.all()
        yield [
            credit_note.number,
            "credit_note",
            timezone.localdate(credit_note.issued_at).isoformat(),
            credit_note.customer_name,
            credit_note.purchase_order,
            credit_note.total_net,
            credit_note.total_vat,
            credit_note.total_gross,
            credit_note_status(credit_note),
            "",
            " ".join(r.stripe_refund_id for r in refunds if r.stripe_refund_id),
            credit_note.order.reference,
        ]


def documents_zip_write(
    *,
    documents: Iterable[Invoice | CreditNote],
    fileobj,
    render_missing: Callable[[Invoice | CreditNote], bytes | None] | None = None,
) -> tuple[int, list[str]]:
    """Write a ZIP of the documents' PDFs to `fileobj`, one stored PDF at a time.

    Each PDF is copied from storage in chunks, never held whole in memory.
    A document with no stored PDF yet is rendered by `render_missing`, if
    given and it returns bytes; otherwise it is listed in MISSING.txt.
    Return how many PDFs were written and the numbers that are missing.
    """
    written, missing = 0, []
    # PDFs are compressed already: storing them is as small and much faster.
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
        for document in documents:
            name = f"{document.number}.pdf"
            if document.pdf:
                with document.pdf.open("rb") as source, archive.open(name, "w") as target:
                    shutil.copyfileobj(source, target, length=1024 * 1024)
                written += 1
                continue
            content = render_missing(document) if render_missing else None
            if content:
                archive.writestr(name, content)
                written += 1
            else:
                missing.append(document.number)
        if missing:
            archive.writestr(
                "MISSING.txt",
                "These documents have no PDF yet. Try again in a few minutes.\n\n"
                + "\n".join(missing)
                + "\n",
            )
    return written, missing
