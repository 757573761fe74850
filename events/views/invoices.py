"""Invoices and credit notes for bookers: the PDFs of their own orders' documents.

Only the booker who placed the order may download them; for anyone else a
document is 404, as if it did not exist. Delegates booked by a colleague do
not see the colleague's invoice.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from payments.documents import PDF_MIMETYPE, document_get_for_booker, document_pdf_bytes


def _pdf_response(request, *, kind: str, number: str) -> HttpResponse:
    document = document_get_for_booker(kind=kind, number=number, user=request.user)
    response = HttpResponse(document_pdf_bytes(document), content_type=PDF_MIMETYPE)
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_safe
def invoice_pdf(request, number):
    return _pdf_response(request, kind="invoice", number=number)


@login_required
@require_safe
def credit_note_pdf(request, number):
    return _pdf_response(request, kind="credit_note", number=number)
