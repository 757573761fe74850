"""The finance desk: invoices and credit notes with filters and totals, the ledger
CSV and a ZIP of PDFs, payments, flagged orders, marking invoices paid, refunds."""

import csv
import logging
import tempfile
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from core.exceptions import DomainError
from core.money import ZERO, format_gbp
from core.spreadsheets import BOM, spreadsheet_cell
from payments.documents import document_pdf_bytes
from payments.finance_forms import DocumentFilterForm, MarkPaidForm, PaymentFilterForm, RefundForm
from payments.models import CreditNote, Invoice, Order
from payments.selectors import (
    LEDGER_COLUMNS,
    InvoiceStatus,
    credit_note_list,
    credit_note_status,
    document_totals,
    documents_zip_write,
    flagged_orders,
    invoice_for_order,
    invoice_get,
    invoice_list,
    ledger_rows,
    order_credit_notes,
    order_get,
    order_payments,
    order_refunds,
    payment_list,
    payment_total,
)
from payments.services.finance import (
    invoice_amount_owed,
    invoice_amount_paid,
    invoice_mark_paid,
    invoice_resend,
    order_flag_clear,
)
from payments.services.refunds import refund_amount, refundable_amount

logger = logging.getLogger(__name__)

VIEW = "payments.view_invoice"
ADD_PAYMENT = "payments.add_payment"
ADD_REFUND = "payments.add_refund"
CHANGE_ORDER = "payments.change_order"
PAGE_SIZE = 50


def finance_required(perm: str):
    """Send anonymous visitors to sign in; refuse signed-in users without `perm` (403)."""

    def decorator(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- Invoices and credit notes ---------------------------------------------------


def _filtered_documents(request):
    form = DocumentFilterForm(request.GET or None)
    filters, ignored = form.filters()
    return form, filters, ignored, invoice_list(filters=filters), credit_note_list(filters=filters)


@require_safe
@finance_required(VIEW)
def invoices(request):
    form, filters, ignored, invoice_qs, credit_qs = _filtered_documents(request)
    invoice_totals = document_totals(invoice_qs)
    credit_totals = document_totals(credit_qs)
    invoice_page = Paginator(invoice_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    invoice_page.object_list = list(invoice_page.object_list)
    for found in invoice_page.object_list:
        found.status_label = InvoiceStatus.LABELS[found.status]
    credit_page = Paginator(credit_qs, PAGE_SIZE).get_page(request.GET.get("cn_page"))
    return render(
        request,
        "payments/finance/invoices.html",
        {
            "filter_form": form,
            "filters": filters,
            "ignored_filters": ignored,
            "invoice_page": invoice_page,
            "credit_page": credit_page,
            "invoice_totals": invoice_totals,
            "credit_totals": credit_totals,
            "net_totals": invoice_totals - credit_totals,
            "export_query": _query_without(request, "page", "cn_page"),
            "invoice_query": _query_without(request, "page"),
            "credit_query": _query_without(request, "cn_page"),
        },
    )


def _order_page(
    request,
    *,
    order: Order,
    invoice: Invoice | None = None,
    mark_paid_form: MarkPaidForm | None = None,
    refund_form: RefundForm | None = None,
):
    """Render an order, and its invoice if it has one, with what finance can do to it."""
    invoice = invoice or invoice_for_order(order=order)
    today = timezone.localdate()
    owed = invoice_amount_owed(invoice) if invoice else ZERO
    refundable = refundable_amount(order)
    can_mark_paid = (
        invoice is not None
        and order.state == Order.State.PENDING
        and owed > ZERO
        and request.user.has_perm(ADD_PAYMENT)
    )
    can_refund = refundable > ZERO and request.user.has_perm(ADD_REFUND)
    if mark_paid_form is None and can_mark_paid:
        mark_paid_form = MarkPaidForm(initial={"amount": owed, "received_on": today})
    if refund_form is None and can_refund:
        refund_form = RefundForm(refundable=refundable)
    failed = next((f for f in (mark_paid_form, refund_form) if f is not None and f.errors), None)
    credit_notes = list(order_credit_notes(order=order).prefetch_related("refunds"))
    for credit_note in credit_notes:
        credit_note.status_label = credit_note_status(credit_note)
    return render(
        request,
        "payments/finance/order.html",
        {
            "order": order,
            "invoice": invoice,
            "status_label": InvoiceStatus.LABELS.get(getattr(invoice, "status", ""), ""),
            "paid": invoice_amount_paid(invoice) if invoice else ZERO,
            "owed": owed,
            "refundable": refundable,
            "payments": list(order_payments(order=order)),
            "credit_notes": credit_notes,
            "refunds": list(order_refunds(order=order)),
            # A form that failed stays on the page, so its error summary has somewhere to go.
            "mark_paid_form": _shown(mark_paid_form, can_mark_paid),
            "refund_form": _shown(refund_form, can_refund),
            # Named `form` so that the page title says "Error:".
            "form": failed,
            "can_clear_flag": order.flagged and request.user.has_perm(CHANGE_ORDER),
        },
    )


def _shown(form, allowed: bool):
    return form if form is not None and (allowed or form.errors) else None


def _invoice_or_404(number: str) -> Invoice:
    try:
        return invoice_get(number=number)
    except Invoice.DoesNotExist:
        raise Http404("No such invoice") from None


def _order_or_404(reference: str) -> Order:
    try:
        return order_get(reference=reference)
    except Order.DoesNotExist:
        raise Http404("No such order") from None


@require_safe
@finance_required(VIEW)
def invoice(request, number):
    found = _invoice_or_404(number)
    return _order_page(request, order=found.order, invoice=found)


@require_safe
@finance_required(VIEW)
def order(request, reference):
    found = _order_or_404(reference)
    if invoice_found := invoice_for_order(order=found):
        return redirect("finance:invoice", number=invoice_found.number)
    return _order_page(request, order=found)


def _back_to(order: Order) -> str:
    if invoice_found := invoice_for_order(order=order):
        return reverse("finance:invoice", args=[invoice_found.number])
    return reverse("finance:order", args=[order.reference])


@require_POST
@finance_required(ADD_PAYMENT)
def mark_paid(request, number):
    found = _invoice_or_404(number)
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        try:
            payment = invoice_mark_paid(
                invoice=found,
                amount=form.cleaned_data["amount"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error("amount", error.message)
        else:
            found = invoice_get(number=number)
            if found.status == InvoiceStatus.PAID:
                messages.success(request, f"Invoice {number} is paid.")
            else:
                messages.success(
                    request,
                    f"{format_gbp(payment.amount)} recorded against invoice {number}. "
                    f"{format_gbp(invoice_amount_owed(found))} is still owed.",
                )
            return redirect("finance:invoice", number=number)
    return _order_page(request, order=found.order, invoice=found, mark_paid_form=form)


@require_POST
@finance_required(ADD_REFUND)
def refund(request, reference):
    found = _order_or_404(reference)
    form = RefundForm(request.POST, refundable=refundable_amount(found))
    if form.is_valid():
        try:
            made = refund_amount(
                order=found,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error("amount", error.message)
        else:
            messages.success(
                request,
                f"Refund of {format_gbp(made.amount)} sent to the card. "
                f"Credit note {made.credit_note.number} issued.",
            )
            return redirect(_back_to(found))
    return _order_page(request, order=found, refund_form=form)


@require_POST
@finance_required(VIEW)
def resend(request, number):
    found = _invoice_or_404(number)
    invoice_resend(invoice=found)
    messages.success(
        request, f"Invoice {number} is being emailed to {found.order.booker_email} again."
    )
    return redirect("finance:invoice", number=number)


@require_POST
@finance_required(CHANGE_ORDER)
def clear_flag(request, reference):
    found = _order_or_404(reference)
    order_flag_clear(order=found)
    messages.success(request, f"The flag on order {reference} is cleared.")
    if request.POST.get("next") == "flagged":
        return redirect("finance:flagged")
    return redirect(_back_to(found))


# --- PDFs, the ledger CSV and the ZIP -------------------------------------------


def _render_pdf(document: Invoice | CreditNote) -> bytes | None:
    """Render (and store) the PDF of a document whose task has not made it yet."""
    try:
        return document_pdf_bytes(document)
    except Exception:
        logger.exception("Could not render the PDF of %s", document.number)
        return None


def _pdf_response(request, document: Invoice | CreditNote):
    filename = f"{document.number}.pdf"
    if document.pdf:
        return FileResponse(
            document.pdf.open("rb"), content_type="application/pdf", filename=filename
        )
    content = _render_pdf(document)
    if content:
        response = FileResponse(iter([content]), content_type="application/pdf", filename=filename)
        response["Content-Length"] = str(len(content))
        return response
    response = render(
        request, "payments/finance/pdf_pending.html", {"document": document}, status=503
    )
    response["Retry-After"] = "60"
    return response


@require_safe
@finance_required(VIEW)
def invoice_pdf(request, number):
    return _pdf_response(request, _invoice_or_404(number))


@require_safe
@finance_required(VIEW)
def credit_note_pdf(request, number):
    try:
        found = CreditNote.objects.get(number=number)
    except CreditNote.DoesNotExist:
        raise Http404("No such credit note") from None
    return _pdf_response(request, found)


def _export_filename(filters, extension: str) -> str:
    if filters.issued_from or filters.issued_to:
        span = "-to-".join(
            str(day) for day in (filters.issued_from, filters.issued_to) if day is not None
        )
    else:
        span = f"at-{timezone.localdate():%Y-%m-%d}"
    return f"invoices-{span}.{extension}"


class _Echo:
    """A file-like that hands back what is written, for streaming csv.writer rows."""

    def write(self, value):
        return value


@require_safe
@finance_required(VIEW)
def export_csv(request):
    _, filters, _, invoice_qs, credit_qs = _filtered_documents(request)
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def lines():
        yield BOM + writer.writerow(LEDGER_COLUMNS)
        for row in ledger_rows(invoices=invoice_qs, credit_notes=credit_qs):
            yield writer.writerow([spreadsheet_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_filename(filters, "csv")}"'
    return response


@require_safe
@finance_required(VIEW)
def export_zip(request):
    _, filters, _, invoice_qs, credit_qs = _filtered_documents(request)
    documents = chain(
        invoice_qs.order_by("issued_at", "sequence_number").iterator(chunk_size=200),
        credit_qs.order_by("issued_at", "sequence_number").iterator(chunk_size=200),
    )
    # On disk, not in memory: a month of PDFs can be large. FileResponse closes it.
    archive = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115
    try:
        documents_zip_write(documents=documents, fileobj=archive, render_missing=_render_pdf)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return FileResponse(
        archive,
        as_attachment=True,
        filename=_export_filename(filters, "zip"),
        content_type="application/zip",
    )


# --- Payments and flagged orders ----------------------------------------------


@require_safe
@finance_required(VIEW)
def payments(request):
    form = PaymentFilterForm(request.GET or None)
    filters, ignored = form.filters()
    found = payment_list(**filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/finance/payments.html",
        {
            "filter_form": form,
            "filtered": any(filters.values()),
            "ignored_filters": ignored,
            "page": page,
            "total_received": payment_total(found),
            "query": _query_without(request, "page"),
        },
    )


@require_safe
@finance_required(VIEW)
def flagged(request):
    return render(
        request,
        "payments/finance/flagged.html",
        {"orders": list(flagged_orders()), "can_clear": request.user.has_perm(CHANGE_ORDER)},
    )
