from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Orders and payments"
    schedules = [("Expire unpaid card orders", "payments.tasks.expire_overdue_orders", 1)]

    role_permissions = {
        "Finance": ["view_order", "change_order", "view_orderline"],
        "Event staff": ["view_order", "view_orderline"],
        "Programme managers": ["view_order"],
    }
