"""The invoices and credit notes of the bookings on the "My bookings" page."""

from django import template

from payments.documents import invoices_for_orders

register = template.Library()


@register.simple_tag(takes_context=True)
def booker_invoices(context, *booking_lists) -> list[dict]:
    """Return a row per document of the bookings the person made themselves.

    Each row holds the booking's event and order and one document (the
    invoice, then its credit notes). Bookings made by a colleague, and
    those with no invoice, are left out.
    """
    user = context["request"].user
    bookings = {}
    for bookings_list in booking_lists:
        for booking in bookings_list:
            if booking.order.booker_id == user.pk:
                bookings.setdefault(booking.order.pk, booking)
    invoices = invoices_for_orders(user=user, order_ids=bookings)
    rows = []
    for order_id, booking in bookings.items():
        if (invoice := invoices.get(order_id)) is None:
            continue
        for document in [invoice, *invoice.credit_notes.all()]:
            rows.append({"event": booking.event, "order": booking.order, "document": document})
    return rows
