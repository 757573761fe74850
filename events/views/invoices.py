"""Invoices and credit notes for bookers, under My bookings: payments' own views.

Only the booker who placed the order may download them; for anyone else a
document is 404. Delegates booked by a colleague do not see the colleague's
invoice. The same views answer at /payments/invoices/ for the academy.
"""

from payments.views import credit_note_pdf, invoice_pdf

__all__ = ["credit_note_pdf", "invoice_pdf"]
