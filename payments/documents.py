"""The PDFs of invoices and credit notes, and the email that sends an invoice.

A document's PDF shows the figures stored on it when it was issued, never
recomputed, and is rendered once, by a django-q2 task after the issuing
transaction has committed, then stored with the document. Rendering and
storing hold no lock: two workers racing on one document both render, one
attaches its file, the other throws its copy away.
"""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from core.email import Attachment, send_email
from core.pdf import render_pdf
from payments.models import CreditNote, Invoice, IssuedDocument, Order, Refund

logger = logging.getLogger(__name__)

PDF_MIMETYPE = "application/pdf"

KINDS: dict[str, type[IssuedDocument]] = {"invoice": Invoice, "credit_note": CreditNote}
TEMPLATES = {"invoice": "pdf/invoice.html", "credit_note": "pdf/credit_note.html"}
TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}

# A retried task does not send the invoice twice; a day covers every retry
# django-q2 makes.
SENT_MARKER_SECONDS = 24 * 60 * 60


def document_kind(document: IssuedDocument) -> str:
    return "credit_note" if isinstance(document, CreditNote) else "invoice"


def document_get(*, kind: str, pk: int) -> IssuedDocument:
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of document: {kind!r}")
    related = ["order", "invoice"] if kind == "credit_note" else ["order"]
    return KINDS[kind].objects.select_related(*related).get(pk=pk)


def pay_by_card_url(order: Order) -> str:
    return f"{settings.SITE_URL}/payments/orders/{order.reference}/pay/"


def paid_by_card_on(invoice: Invoice) -> datetime.date | None:
    """Return the day the card paid the order, if it had when the invoice was issued."""
    order = invoice.order
    if (
        order.payment_method == Order.PaymentMethod.CARD
        and order.paid_at is not None
        and order.paid_at <= invoice.issued_at
    ):
        return timezone.localtime(order.paid_at).date()
    return None


def _single_vat_rate(lines: list[dict]) -> Decimal | None:
    rates = {Decimal(line["vat_rate"]) for line in lines}
    return rates.pop() if len(rates) == 1 else None


def document_context(document: IssuedDocument) -> dict:
    """Return what the document's template shows: only facts fixed when it was issued.

    The lines and totals are the stored ones. Whether the invoice was paid
    by card comes from the order's payment date, which precedes the issue,
    so rendering the same invoice again gives the same PDF.
    """
    kind = document_kind(document)
    context = {
        "document": document,
        "kind": kind,
        "title": TITLES[kind],
        "seller": document.seller,
        "lines": document.lines,
        "vat_rate": _single_vat_rate(document.lines),
        "order_reference": document.order.reference,
    }
    if kind == "invoice":
        paid_on = paid_by_card_on(document)
        context["paid_by_card_on"] = paid_on
        if paid_on is None and document.order.payment_method == Order.PaymentMethod.INVOICE:
            context["pay_by_card_url"] = pay_by_card_url(document.order)
    else:
        refunds = document.refunds.exclude(state=Refund.State.FAILED)
        refunded = sum((refund.amount for refund in refunds), Decimal("0.00"))
        context["invoice"] = document.invoice
        context["refunded"] = refunded if refunded > 0 else None
    return context


def document_pdf_render(document: IssuedDocument) -> bytes:
    """Render the document's PDF without storing it."""
    kind = document_kind(document)
    return render_pdf(template=TEMPLATES[kind], context=document_context(document))


def _stored_pdf_name(document: IssuedDocument) -> str:
    return (
        type(document).objects.filter(pk=document.pk).values_list("pdf", flat=True).first() or ""
    )


def document_pdf_attach(*, document: IssuedDocument, content: bytes) -> IssuedDocument:
    """Store the PDF and attach it to the document, unless one is attached already.

    Write the file first, outside any transaction; then, briefly locking the
    document's row, attach it if no other worker has. The loser deletes its
    file. Return the document as stored.
    """
    if document.pdf:
        return document
    document.pdf.save(f"{document.number}.pdf", ContentFile(content), save=False)
    ours = document.pdf.name
    with transaction.atomic():
        row = type(document).objects.select_for_update().filter(pk=document.pk)
        attached = row.values_list("pdf", flat=True).first()
        if not attached:
            document.save(update_fields=["pdf"])
    if attached:
        document.pdf.storage.delete(ours)
        document.pdf.name = attached
    return document


def document_render_pdf(*, kind: str, pk: int) -> IssuedDocument:
    """Render and store the PDF of an invoice or credit note, once.

    Do nothing if the document already has its PDF. Call it from a task
    after the issuing transaction has committed: it holds no lock while it
    renders.
    """
    document = document_get(kind=kind, pk=pk)
    if document.pdf:
        return document
    return document_pdf_attach(document=document, content=document_pdf_render(document))


def document_pdf_bytes(document: IssuedDocument) -> bytes:
    """Return the document's PDF, rendering and storing it first if the task has not yet."""
    if not document.pdf and (name := _stored_pdf_name(document)):
        document.pdf.name = name
    if not document.pdf:
        document = document_pdf_attach(document=document, content=document_pdf_render(document))
    with document.pdf.open("rb") as file:
        return file.read()


# --- For bookers --------------------------------------------------------------------


def _booker_documents(kind: str, user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return KINDS[kind].objects.none()
    return KINDS[kind].objects.filter(order__booker=user).select_related("order")


def document_get_for_booker(*, kind: str, number: str, user) -> IssuedDocument:
    """Return an invoice or credit note of one of the person's own orders.

    Raise Http404 for anyone else's, as for one that does not exist: only
    the booker who placed the order may download its documents.
    """
    try:
        return _booker_documents(kind, user).get(number=number)
    except KINDS[kind].DoesNotExist:
        raise Http404("No such document") from None


def invoices_for_orders(*, user, order_ids) -> dict[int, Invoice]:
    """Return the invoices, with their credit notes, of the person's orders among those given.

    Keyed by order id; orders someone else booked are left out.
    """
    invoices = (
        _booker_documents("invoice", user)
        .filter(order_id__in=list(order_ids))
        .prefetch_related(
            Prefetch("credit_notes", queryset=CreditNote.objects.order_by("sequence_number"))
        )
    )
    return {invoice.order_id: invoice for invoice in invoices}


# --- The invoice email ------------------------------------------------------------


def _sent_marker(invoice: Invoice) -> str:
    return f"payments:invoice-emailed:{invoice.pk}"


def invoice_email_send(*, invoice_id: int, resend: bool = False) -> int:
    """Email the invoice, with its PDF attached, to the booker of its order.

    Send once: a retried task finds the marker its earlier run left and
    sends nothing. `resend` (finance sending it again) skips that check.
    Return how many messages went.
    """
    invoice = document_get(kind="invoice", pk=invoice_id)
    marker = _sent_marker(invoice)
    if not cache.add(marker, True, timeout=SENT_MARKER_SECONDS) and not resend:
        return 0
    try:
        return _invoice_email(invoice)
    except Exception:
        cache.delete(marker)
        raise


def _invoice_email(invoice: Invoice) -> int:
    order = invoice.order
    paid_on = paid_by_card_on(invoice)
    pdf = document_pdf_bytes(invoice)
    return send_email(
        to=[order.booker_email],
        template="email/payments/invoice",
        context={
            "invoice": invoice,
            "order": order,
            "seller": invoice.seller,
            "paid_by_card_on": paid_on,
            "pay_by_card_url": (
                pay_by_card_url(order)
                if paid_on is None and order.payment_method == Order.PaymentMethod.INVOICE
                else ""
            ),
        },
        attachments=[Attachment(f"{invoice.number}.pdf", pdf, PDF_MIMETYPE)],
        reply_to=[invoice.seller["email"]] if invoice.seller.get("email") else [],
    )
