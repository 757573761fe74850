"""Orders and their lines. Payments knows nothing of events or programmes:
an order carries its own lines, and the apps that sold the places listen for
what happens to it."""

import secrets

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel

# No 0/O, 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


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

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_gross=models.F("total_net") + models.F("total_vat")),
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
                condition=models.Q(gross=models.F("net") + models.F("vat")),
                name="orderline_gross_is_net_plus_vat",
            ),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description}"
