"""Every write to orders, invoices, credit notes, payments and refunds.

- orders: creating orders and moving them between states
- documents: gapless numbers, invoices and credit notes
- refunds: credit and refund places or amounts
"""

from payments.services.orders import (
    Billing,
    LineSpec,
    order_cancel,
    order_create,
    order_expire_overdue,
    order_mark_paid,
)

__all__ = [
    "Billing",
    "LineSpec",
    "order_cancel",
    "order_create",
    "order_expire_overdue",
    "order_mark_paid",
]
