from payments.services import order_expire_overdue


def expire_overdue_orders() -> int:
    """Scheduled every minute: free the places of unpaid card orders past their hold."""
    return len(order_expire_overdue())
