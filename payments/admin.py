from django.contrib import admin

from payments.models import Order, OrderLine


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
