"""Shapes of the invoices API: filters in, invoices and credit notes out.

The serializers check the shape of a request only; who sees which document,
and what state it is in, is worked out by the reads in `payments.api`.
"""

import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class DocumentStatus(models.TextChoices):
    """Where an invoice stands, as the finance desk works it out; a credit note is issued."""

    PAID = "paid", "Paid"
    PART_PAID = "part_paid", "Part paid"
    UNPAID = "unpaid", "Unpaid"
    OVERDUE = "overdue", "Overdue"
    CREDITED = "credited", "Credited"
    ISSUED = "issued", "Issued"


# --- Errors, as core.api.exception_handler writes them --------------------------


@extend_schema_serializer(component_name="DocumentError")
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can read.")
    code = serializers.CharField(help_text="A short machine-readable code, such as `not_found`.")


@extend_schema_serializer(component_name="DocumentValidationError")
class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The problems with the request, keyed by query parameter.",
    )


# --- Requests ---------------------------------------------------------------------


class DocumentListQuerySerializer(serializers.Serializer):
    """Validate the list's filters."""

    kind = serializers.ChoiceField(choices=DocumentKind.choices, required=False)
    status = serializers.ChoiceField(
        choices=DocumentStatus.choices,
        required=False,
        help_text="`issued` is the status of every credit note.",
    )
    issued_from = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="Documents issued on or after this day (Europe/London), as YYYY-MM-DD.",
    )
    issued_to = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="Documents issued on or before this day (Europe/London), as YYYY-MM-DD.",
    )

    def validate(self, data: dict) -> dict:
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"issued_to": ["Enter a day on or after `issued_from`."]}, code="invalid_range"
            )
        return data

    def to_selector_filters(self) -> dict:
        """Return the validated filters as keyword arguments of `documents_visible_to`."""
        data = self.validated_data
        return {
            "kind": data.get("kind"),
            "status": data.get("status"),
            "issued_from": data.get("issued_from"),
            "issued_to": data.get("issued_to"),
        }


# --- Responses --------------------------------------------------------------------


class LondonDateTimeField(serializers.DateTimeField):
    """Render a moment in Europe/London with its offset, as the rest of the API does."""

    def to_representation(self, value: datetime.datetime) -> str:
        return timezone.localtime(value, timezone.get_default_timezone()).isoformat()


@extend_schema_serializer(component_name="DocumentCustomer")
class CustomerSerializer(serializers.Serializer):
    """The customer as printed on the document."""

    name = serializers.CharField(source="customer_name")
    address = serializers.CharField(source="customer_address")
    postcode = serializers.CharField(source="customer_postcode")
    vat_number = serializers.CharField(
        source="customer_vat_number", help_text="The customer's VAT number, if they gave one."
    )


def _money(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True, help_text=help_text
    )


@extend_schema_serializer(component_name="InvoiceDocument")
class DocumentSerializer(serializers.Serializer):
    """An invoice or a credit note, with the figures it prints.

    Amounts are strings with two decimal places, in pounds sterling. Reads
    the rows of `payments.api.documents_visible_to`; needs `request` in the
    context for the PDF's address.
    """

    number = serializers.CharField(help_text="Such as INV-2026-00042 or CN-2026-00007.")
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    issued_at = LondonDateTimeField(help_text="When it was issued, in Europe/London.")
    due_at = serializers.DateField(
        allow_null=True,
        help_text=(
            "The day an invoice is due to be paid, as YYYY-MM-DD (a date, not a moment). "
            "Null for credit notes."
        ),
    )
    customer = CustomerSerializer(source="*")
    purchase_order = serializers.CharField(help_text="The customer's purchase order number.")
    total_net = _money("Total excluding VAT.")
    total_vat = _money("Total VAT.")
    total_gross = _money("Total including VAT.")
    status = serializers.ChoiceField(
        choices=DocumentStatus.choices,
        help_text=(
            "An invoice is `paid`; `credited` (credit notes cover all of it); `overdue` "
            "(not paid after its due day); `part_paid` (some money in, not yet due) or "
            "`unpaid`. A credit note is `issued`."
        ),
    )
    invoice = serializers.CharField(
        source="invoice_number",
        allow_null=True,
        help_text="For a credit note, the number of the invoice it credits; null for invoices.",
    )
    pdf_url = serializers.SerializerMethodField(
        help_text="Where to download the PDF, with the same credentials."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, document: dict) -> str:
        path = reverse("api-invoice-pdf", kwargs={"number": document["number"]})
        return self.context["request"].build_absolute_uri(path)
