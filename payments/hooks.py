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


# --- where the booker sees what an order bought --------------------------------------

OrderPage = Callable[[object], tuple[str, str] | None]

_order_pages: list[OrderPage] = []


def register_order_page(page: OrderPage) -> None:
    """Add a callable that returns (link text, URL) for the orders it knows, else None."""
    if page not in _order_pages:
        _order_pages.append(page)


def order_page(order) -> tuple[str, str] | None:
    """Return the first registered (link text, URL) for the order, or None."""
    for page in _order_pages:
        found = page(order)
        if found:
            return found
    return None
