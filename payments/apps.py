from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Orders and payments"
    # `make run` starts localstripe and points every process at it (payments/demo.py).
    demo_processes = "payments.demo.processes"
    demo_environment = "payments.demo.environment"
    schedules = [
        ("Expire unpaid card orders", "payments.tasks.expire_overdue_orders", 1),
        ("Remind about overdue invoices", "payments.tasks.send_overdue_invoice_reminders", 1440),
    ]

    role_permissions = {
        "Finance": [
            "view_order",
            "change_order",
            "view_orderline",
            "view_invoice",
            "view_creditnote",
            "view_payment",
            "add_payment",
            "view_refund",
            "add_refund",
            "view_stripeevent",
        ],
        "Event staff": ["view_order", "view_orderline"],
        "Programme managers": ["view_order"],
    }

    def ready(self):
        from accounts.roles import FINANCE, user_has_role
        from core.navigation import NavLink, register_nav_link

        register_nav_link(
            NavLink(
                label="Finance desk",
                url_name="finance:invoices",
                visible=lambda request: (
                    user_has_role(request.user, FINANCE)
                    or request.user.has_perm("payments.view_invoice")
                ),
                order=60,
            )
        )
