"""django-q2 tasks: each takes ids, loads what it needs and calls a service."""

from payments.models import Order
from payments.services import order_expire_overdue
from payments.services.documents import invoice_issue


def expire_overdue_orders() -> int:
    """Scheduled every minute: free the places of unpaid card orders past their hold."""
    return len(order_expire_overdue())


def issue_invoice(order_id: int) -> str | None:
    invoice = invoice_issue(order=Order.objects.get(pk=order_id))
    return invoice.number if invoice else None


def render_document_pdf(kind: str, pk: int) -> str:
    """Render and store the PDF of an invoice ("invoice") or credit note ("credit_note")."""
    from payments.documents import document_render_pdf

    return document_render_pdf(kind=kind, pk=pk).pdf.name


def send_invoice_email(invoice_id: int, resend: bool = False) -> int:
    """Email the invoice, its PDF attached, to the order's booker; once unless resent."""
    from payments.documents import invoice_email_send

    return invoice_email_send(invoice_id=invoice_id, resend=resend)


def send_overdue_invoice_reminders() -> int:
    """Scheduled daily: remind bookers of overdue invoices, each at most once a period."""
    from payments.services.finance import overdue_reminders_send

    return overdue_reminders_send()


def submit_refund(refund_id: int) -> str:
    """Send a refund to Stripe; a retry is the same refund (its idempotency key)."""
    from payments.models import Refund
    from payments.services.card import refund_submit

    return refund_submit(refund=Refund.objects.get(pk=refund_id)).state


def process_stripe_event(stripe_event_id: int) -> str:
    """Act on a stored Stripe webhook event, once; an error is raised so that it is retried."""
    from payments.models import StripeEvent
    from payments.services.card import stripe_event_process

    return stripe_event_process(event=StripeEvent.objects.get(pk=stripe_event_id)).type
