from core.exceptions import Conflict, DomainError


class PaymentError(DomainError):
    """The payment could not be taken."""

    code = "payment_error"


class OrderNotPending(Conflict):
    """The order is no longer waiting for payment."""

    code = "order_not_pending"
