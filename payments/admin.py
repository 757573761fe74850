from django.contrib import admin

from payments.models import CreditNote, Invoice, Order, OrderLine, Payment, Refund, StripeEvent


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["description", "quantity", "unit_net", "vat_rate", "net", "vat", "gross"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "booker_name",
        "billing_organisation",
        "payment_method",
        "state",
        "total_gross",
        "created_at",
    ]
    list_filter = ["state", "payment_method", ("created_at", admin.DateFieldListFilter)]
    search_fields = [
        "reference",
        "booker_name",
        "booker_email",
        "billing_organisation",
        "purchase_order",
    ]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    readonly_fields = [
        "reference",
        "booker",
        "payment_method",
        "state",
        "expires_at",
        "currency",
        "total_net",
        "total_vat",
        "total_gross",
        "paid_at",
        "created_at",
        "updated_at",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Issued documents and Stripe's records are looked at, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "issued_at",
        "customer_name",
        "purchase_order",
        "total_gross",
        "due_on",
    ]
    list_filter = [("issued_at", admin.DateFieldListFilter)]
    search_fields = ["number", "customer_name", "purchase_order", "order__reference"]
    date_hierarchy = "issued_at"


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "issued_at", "invoice", "customer_name", "total_gross", "reason"]
    search_fields = ["number", "invoice__number", "customer_name", "order__reference"]
    list_select_related = ["invoice"]
    date_hierarchy = "issued_at"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order", "method", "state", "amount", "stripe_payment_intent_id", "created_at"]
    list_filter = ["method", "state"]
    search_fields = ["order__reference", "stripe_payment_intent_id", "reference"]
    list_select_related = ["order"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount", "state", "stripe_refund_id", "reason", "created_at"]
    list_filter = ["state"]
    search_fields = ["payment__order__reference", "stripe_refund_id", "reason"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "type", "received_at", "processed_at", "error"]
    list_filter = ["type"]
    search_fields = ["stripe_id"]
