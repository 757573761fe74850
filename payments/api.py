"""The invoices API: invoices and credit notes, and their PDFs.

Finance (the `payments.view_invoice` permission) see every document; anyone
else sees the documents of the orders they booked, and anyone else's number
is 404, never 403. Domain errors and bad filters get the API's one error
shape from `core.api.exception_handler`.
"""

import datetime

from django.db.models import CharField, DateField, F, QuerySet, Value
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, permissions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from payments.documents import document_pdf_bytes
from payments.models import CreditNote, Invoice
from payments.selectors import invoices_with_status
from payments.serializers import (
    DocumentKind,
    DocumentListQuerySerializer,
    DocumentSerializer,
    DocumentStatus,
    ErrorSerializer,
    ValidationErrorSerializer,
)

TAGS = ["invoices"]

# The columns of a document row, in the same order on both sides of the union.
ROW_FIELDS = [
    "number",
    "issued_at",
    "customer_name",
    "customer_address",
    "customer_postcode",
    "customer_vat_number",
    "purchase_order",
    "total_net",
    "total_vat",
    "total_gross",
    "kind",
    "due_at",
    "status",
    "invoice_number",
]


# --- Reads (the API's own: the finance desk has its pages) --------------------------


def user_sees_all_documents(user) -> bool:
    """Finance, and superusers, see every invoice and credit note."""
    return user.is_authenticated and user.has_perm("payments.view_invoice")


def _visible(queryset: QuerySet, *, user) -> QuerySet:
    if user_sees_all_documents(user):
        return queryset
    return queryset.filter(order__booker=user)


def _issued_between(queryset: QuerySet, start, end) -> QuerySet:
    # Days in Europe/London: an invoice issued at 00:30 BST belongs to that day.
    if start:
        queryset = queryset.filter(issued_at__date__gte=start)
    if end:
        queryset = queryset.filter(issued_at__date__lte=end)
    return queryset


def documents_visible_to(
    *,
    user,
    number: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    issued_from: datetime.date | None = None,
    issued_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> QuerySet:
    """Return the invoices and credit notes the user may see, newest first, as rows.

    Each row is a dict of ROW_FIELDS. An invoice's `status` is the finance
    desk's (`payments.selectors.invoices_with_status`) as of `today`; a
    credit note's is `issued`. Filters narrow the rows; `number` picks one.
    """
    today = today or timezone.localdate()
    invoices = invoices_with_status(today=today).annotate(
        kind=Value(DocumentKind.INVOICE.value, output_field=CharField()),
        due_at=F("due_on"),
        invoice_number=Value(None, output_field=CharField()),
    )
    if status:
        invoices = invoices.filter(status=status)
    credit_notes = CreditNote.objects.annotate(
        status=Value(DocumentStatus.ISSUED.value, output_field=CharField()),
        kind=Value(DocumentKind.CREDIT_NOTE.value, output_field=CharField()),
        due_at=Value(None, output_field=DateField()),
        invoice_number=F("invoice__number"),
    )
    if kind == DocumentKind.CREDIT_NOTE:
        invoices = invoices.none()
    if kind == DocumentKind.INVOICE or status not in (None, DocumentStatus.ISSUED):
        credit_notes = credit_notes.none()
    rows = []
    for part in (invoices, credit_notes):
        part = _issued_between(_visible(part, user=user), issued_from, issued_to)
        if number is not None:
            part = part.filter(number=number)
        rows.append(part.order_by().values(*ROW_FIELDS))
    # An empty side drops out of the union, and both empty is an empty result.
    return rows[0].union(rows[1], all=True).order_by("-issued_at", "-number")


def document_row_get(*, user, number: str) -> dict:
    """Return the user's document row with that number; raise Http404 for anyone else's."""
    row = documents_visible_to(user=user, number=number.strip().upper()).first()
    if row is None:
        raise Http404("No such invoice or credit note.")
    return row


def document_get(*, user, number: str) -> Invoice | CreditNote:
    """Return the invoice or credit note itself; raise Http404 for anyone else's."""
    number = number.strip().upper()
    model = CreditNote if number.startswith(f"{CreditNote.SERIES}-") else Invoice
    document = _visible(model.objects.filter(number=number), user=user).first()
    if document is None:
        raise Http404("No such invoice or credit note.")
    return document


def document_pdf(document: Invoice | CreditNote) -> HttpResponse:
    """Answer with the document's stored PDF, rendering and storing it first if it has none."""
    filename = f"{document.number}.pdf"
    if document.pdf:
        return FileResponse(
            document.pdf.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=filename,
        )
    # The render task has not run yet (or failed): render now, as it would have.
    response = HttpResponse(document_pdf_bytes(document), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Views ------------------------------------------------------------------------


def _error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


UNAUTHENTICATED = _error("No valid token or session: send `Authorization: Token <token>`.")
NOT_FOUND = _error("There is no such invoice or credit note, or it is someone else's.")
NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The document's number, such as INV-2026-00042 or CN-2026-00007.",
)


class PDFRenderer(BaseRenderer):
    """Accept `Accept: application/pdf`; the view answers with the file itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class _NoFormatOverride:
    """DRF's settings, less the `?format=` renderer override."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class AcceptHeaderNegotiation(DefaultContentNegotiation):
    """Choose the renderer from the Accept header alone: the PDF has one format."""

    settings = _NoFormatOverride()


class AcceptHeaderSchema(AutoSchema):
    """Document no `?format=` parameter, as AcceptHeaderNegotiation reads none."""

    def _get_format_parameters(self):
        return []


@extend_schema_view(
    get=extend_schema(
        summary="List invoices and credit notes",
        description=(
            "Finance see every invoice and credit note; anyone else sees those of the "
            "bookings they made. Newest first, 50 to a page."
        ),
        parameters=[DocumentListQuerySerializer],
        responses={
            200: DocumentSerializer(many=True),
            400: _error("A filter is not valid; see `errors`.", ValidationErrorSerializer),
            401: UNAUTHENTICATED,
        },
        tags=TAGS,
    )
)
class DocumentListView(generics.ListAPIView):
    """List the invoices and credit notes you may see, newest first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DocumentSerializer

    def get_queryset(self):
        query = DocumentListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return documents_visible_to(user=self.request.user, **query.to_selector_filters())


@extend_schema_view(
    get=extend_schema(
        summary="Show one invoice or credit note",
        parameters=[NUMBER],
        responses={200: DocumentSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
        tags=TAGS,
    )
)
class DocumentDetailView(generics.RetrieveAPIView):
    """Show one invoice or credit note you may see."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DocumentSerializer

    def get_object(self) -> dict:
        return document_row_get(user=self.request.user, number=self.kwargs["number"])


class DocumentPDFView(APIView):
    """Download the PDF of one invoice or credit note you may see."""

    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer, PDFRenderer]
    content_negotiation_class = AcceptHeaderNegotiation
    schema = AcceptHeaderSchema()

    @extend_schema(
        summary="Download an invoice or credit note as PDF",
        description="The document as issued, as `application/pdf`.",
        parameters=[NUMBER],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF of the document."
            ),
            (401, "application/json"): UNAUTHENTICATED,
            (404, "application/json"): NOT_FOUND,
        },
        tags=TAGS,
    )
    def get(self, request, number: str):
        return document_pdf(document_get(user=request.user, number=number))

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON, even to a client that asked for a PDF.
        if getattr(response, "exception", False):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
