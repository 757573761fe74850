"""How payments tells the apps that sold places what happened to an order.

Payments knows nothing of events or programmes. Apps register a handler per
happening in their AppConfig.ready(); handlers run inside the transaction
that changed the order, so a place is never left confirmed on a cancelled
order or pending on a paid one. Handlers must not do slow work themselves:
they queue it with transaction.on_commit.
"""

from collections.abc import Callable
from enum import StrEnum


class OrderEvent(StrEnum):
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


_handlers: dict[OrderEvent, list[Callable]] = {kind: [] for kind in OrderEvent}


def register(kind: OrderEvent, handler: Callable) -> None:
    if handler not in _handlers[kind]:
        _handlers[kind].append(handler)


def notify(kind: OrderEvent, order) -> None:
    for handler in _handlers[kind]:
        handler(order=order)
