"""django-q2 tasks: each takes ids, loads what it needs and calls a service.

The emails themselves are composed in events.notifications.
"""

from events import notifications
from events.services.waiting_list import waiting_list_expire_offers, waiting_list_offer_places


def send_booking_emails(order_id: int) -> None:
    notifications.booking_emails_send(order_id=order_id)


def send_cancellation_email(registration_id: int) -> None:
    notifications.cancellation_email_send(registration_id=registration_id)


def send_transfer_emails(registration_id: int, previous: dict) -> None:
    notifications.transfer_emails_send(registration_id=registration_id, previous=previous)


def send_waiting_list_offer(entry_id: int) -> None:
    notifications.waiting_list_offer_send(entry_id=entry_id)


def offer_freed_places(event_id: int) -> int:
    return waiting_list_offer_places(event_id=event_id)


def expire_waiting_list_offers() -> int:
    """Scheduled: pass on offers that ran out."""
    return waiting_list_expire_offers()


def send_due_reminders() -> int:
    """Scheduled: remind delegates 7 days and 1 day before their event."""
    return notifications.reminders_send_due()


def send_staff_message(event_id: int, subject: str, body: str, sender_id: int | None) -> int:
    """Email staff's message to each confirmed delegate, one message each; return how many.

    One failed address is logged and skipped: raising would make django-q2
    deliver the task again, and everyone before it would get the message twice.
    """
    # Imported here so that this task stays a self-contained addition to the module.
    import logging

    from accounts.models import User
    from core.email import send_email
    from events.models import Event
    from events.selectors import staff_message_recipients

    event = Event.objects.select_related("venue").get(pk=event_id)
    sender = User.objects.filter(pk=sender_id).first() if sender_id else None
    reply_to = event.organiser_email or (sender.email if sender else "")
    body = body.replace("\r\n", "\n").strip()
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    sent = 0
    for registration in staff_message_recipients(event=event):
        try:
            sent += send_email(
                to=[registration.email],
                template="email/events/staff_message",
                context={
                    "event": event,
                    "registration": registration,
                    "subject": subject,
                    "body": body,
                    "paragraphs": paragraphs,
                },
                reply_to=[reply_to] if reply_to else [],
            )
        except Exception:
            logging.getLogger(__name__).exception(
                "Staff message for event %s not sent to registration %s",
                event_id,
                registration.pk,
            )
    return sent
