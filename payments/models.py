"""Orders and their lines. Payments knows nothing of events or programmes:
an order carries its own lines, and the apps that sold the places listen for
what happens to it."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel

# No 0/O, 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _adds_up(gross: str, net: str, vat: str) -> models.Q:
    """gross = net + vat, to within half a penny.

    SQLite compares decimals as floating point, where 29.99 + 6.00 is not
    35.99; the tolerance makes the check mean the same on every database.
    """
    half_penny = Decimal("0.005")
    total = models.F(net) + models.F(vat)
    return models.Q(**{f"{gross}__gte": total - half_penny}) & models.Q(
        **{f"{gross}__lte": total + half_penny}
    )


def new_order_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Order(TimeStampedModel):
    class PaymentMethod(models.TextChoices):
        CARD = "card", "Card"
        INVOICE = "invoice", "Invoice"
        FREE = "free", "Free"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"

    reference = models.CharField(max_length=12, unique=True, default=new_order_reference)
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    booker_name = models.CharField(max_length=200)
    booker_email = models.EmailField()
    billing_organisation = models.CharField(max_length=200, blank=True)
    billing_address = models.TextField(blank=True)
    billing_postcode = models.CharField(max_length=16, blank=True)
    customer_vat_number = models.CharField("customer VAT number", max_length=32, blank=True)
    purchase_order = models.CharField("purchase order number", max_length=64, blank=True)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    # A pending card order holds its places until then; invoice orders do not expire.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    currency = models.CharField(max_length=3, default="GBP", editable=False)
    total_net = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total_vat = models.DecimalField("total VAT", max_digits=10, decimal_places=2, default=0)
    total_gross = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The date the places are for (the event's day): the invoice's time of supply.
    supply_date = models.DateField(null=True, blank=True)
    # Finance look at flagged orders: a dispute, or money that did not match.
    flagged = models.BooleanField(default=False, db_index=True)
    flag_reason = models.CharField(max_length=300, blank=True)
    # The last overdue reminder sent for its invoice.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=_adds_up("total_gross", "total_net", "total_vat"),
                name="order_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(
                condition=~models.Q(payment_method="free") | models.Q(total_gross=0),
                name="order_free_costs_nothing",
            ),
        ]

    def __str__(self):
        return self.reference


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_net = models.DecimalField("unit price (net)", max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField("VAT rate (%)", max_digits=5, decimal_places=2)
    net = models.DecimalField(max_digits=10, decimal_places=2)
    vat = models.DecimalField("VAT", max_digits=10, decimal_places=2)
    gross = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["order", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=_adds_up("gross", "net", "vat"),
                name="orderline_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class DocumentSequence(models.Model):
    """The last number used in a series of documents for a year: gapless by design.

    A number is taken under this row's lock inside the transaction that
    issues the document, so a rolled-back issue gives its number back.
    """

    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("series", "year", name="document_sequence_per_series_year")
        ]

    def __str__(self):
        return f"{self.series}-{self.year}: {self.last_number}"


class ImmutableDocumentError(Exception):
    """An issued invoice or credit note was about to change."""


class IssuedDocument(models.Model):
    """What invoices and credit notes share: a number, the figures printed, a PDF.

    Once issued it never changes: save() refuses an update (other than
    attaching the PDF once) and delete() refuses outright. Corrections are
    credit notes.
    """

    number = models.CharField(max_length=24, unique=True, editable=False)
    series = models.CharField(max_length=8, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    sequence_number = models.PositiveIntegerField(editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(editable=False)
    # The customer as printed: a later change to the order never reaches it.
    customer_name = models.CharField(max_length=200)
    customer_address = models.TextField(blank=True)
    customer_postcode = models.CharField(max_length=16, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_vat_number = models.CharField(max_length=32, blank=True)
    purchase_order = models.CharField(max_length=64, blank=True)
    # The seller as printed (settings.SELLER at the time of issue).
    seller = models.JSONField()
    # [{"description", "quantity", "unit_net", "vat_rate", "net", "vat", "gross"}] as strings.
    lines = models.JSONField()
    total_net = models.DecimalField(max_digits=10, decimal_places=2)
    total_vat = models.DecimalField(max_digits=10, decimal_places=2)
    total_gross = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    pdf = models.FileField(upload_to="documents/%Y/", blank=True)

    class Meta:
        abstract = True
        ordering = ["-issued_at", "-sequence_number"]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._adding_pdf(kwargs):
            raise ImmutableDocumentError(f"{self.number} has been issued and cannot change.")
        super().save(*args, **kwargs)

    def _adding_pdf(self, kwargs) -> bool:
        if set(kwargs.get("update_fields") or ()) != {"pdf"}:
            return False
        stored = type(self).objects.filter(pk=self.pk).values_list("pdf", flat=True).first()
        return not stored

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError(f"{self.number} has been issued and cannot be deleted.")


class Invoice(IssuedDocument):
    SERIES = "INV"

    time_of_supply = models.DateField(help_text="The date of the event the places are for.")
    due_on = models.DateField()

    class Meta(IssuedDocument.Meta):
        abstract = False
        constraints = [
            models.UniqueConstraint("series", "year", "sequence_number", name="invoice_number"),
            models.UniqueConstraint("order", name="one_invoice_per_order"),
        ]


class CreditNote(IssuedDocument):
    SERIES = "CN"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    reason = models.CharField(max_length=300)

    class Meta(IssuedDocument.Meta):
        abstract = False
        constraints = [
            models.UniqueConstraint(
                "series", "year", "sequence_number", name="credit_note_number"
            ),
        ]


class Payment(TimeStampedModel):
    """Money received, or an attempt to take it: a card payment or a bank transfer."""

    class Method(models.TextChoices):
        CARD = "card", "Card (Stripe)"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16, choices=Method.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    stripe_payment_intent_id = models.CharField(max_length=64, blank=True)
    stripe_charge_id = models.CharField(max_length=64, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="The bank's reference for a transfer."
    )
    received_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "stripe_payment_intent_id",
                condition=~models.Q(stripe_payment_intent_id=""),
                name="payment_one_row_per_payment_intent",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} £{self.amount} for {self.order}"


class Refund(TimeStampedModel):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    stripe_refund_id = models.CharField(max_length=64, blank=True)
    # Stripe's idempotency key: a retried refund is the same refund.
    idempotency_key = models.CharField(max_length=100, unique=True)
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self):
        return f"Refund £{self.amount} of {self.payment.order}"


class StripeEvent(models.Model):
    """Every webhook event received, stored once; processed once, in the background."""

    stripe_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.stripe_id}"
