"""Emails to bookers and delegates: confirmations, tickets, cancellations,
transfers, waiting-list offers and reminders.

Every function here is called from a django-q2 task (events/tasks.py), so it
runs after the transaction that changed the places has committed, and holds
no lock while it sends. Each message has a text and an HTML part, rendered
from templates/email/events/. Times are London wall-clock times.

A delegate's calendar invitation has a UID of its own place (not the
event's), so that cancelling or transferring one place removes only that
delegate's entry.
"""

import datetime
import logging
from collections.abc import Callable
from email.mime.image import MIMEImage
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from core.email import Attachment, send_email
from core.qr import qr_png
from events import ical
from events.models import (
    Event,
    Registration,
    ReminderSent,
    WaitingListEntry,
)
from payments.models import Order

logger = logging.getLogger(__name__)

LONDON = ical.LONDON

# A retried task skips messages its earlier run already sent; a day covers
# every retry django-q2 makes.
SENT_MARKER_SECONDS = 24 * 60 * 60

# How long before the event each reminder goes, nearest first: a delegate
# who is due both gets only the nearer one.
REMINDER_LEAD = {
    ReminderSent.Kind.DAY: datetime.timedelta(days=1),
    ReminderSent.Kind.WEEK: datetime.timedelta(days=7),
}

CALENDAR_MIMETYPE = "text/calendar; method={method}"


# --- Formatting -------------------------------------------------------------------


def clock(moment: datetime.datetime) -> str:
    """Format a London time of day in GOV.UK style: 9am, 9:30am, midday, 4:15pm."""
    local = moment.astimezone(LONDON)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.hour % 12 or 12}{minutes}{'am' if local.hour < 12 else 'pm'}"


def london_date(moment: datetime.datetime) -> str:
    """Format a London date: Tuesday 11 June 2030."""
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}"


def london_time(moment: datetime.datetime) -> str:
    """Format a moment as a London date and time: Tuesday 11 June 2030, 9:30am."""
    return f"{london_date(moment)}, {clock(moment)}"


def event_when(event: Event) -> str:
    """Say when an event runs: Tuesday 11 June 2030, 9:30am to 4:30pm."""
    start, end = event.starts_at.astimezone(LONDON), event.ends_at.astimezone(LONDON)
    if start.date() == end.date():
        return f"{london_time(start)} to {clock(end)}"
    return f"{london_time(start)} to {london_time(end)}"


def event_where(event: Event) -> str:
    if event.venue:
        if event.format == Event.Format.HYBRID:
            return f"{event.venue.one_line}, and online"
        return event.venue.one_line
    return "Online" if event.is_online else "To be confirmed"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def ticket_page_url(registration: Registration) -> str:
    return _absolute(f"/my-bookings/places/{registration.pk}/")


def _event_context(event: Event) -> dict:
    return {
        "event": event,
        "event_url": _absolute(event.get_absolute_url()),
        "when": event_when(event),
        "where": event_where(event),
        "venue": event.venue,
        "in_person": event.venue is not None and event.format != Event.Format.ONLINE,
    }


def _reply_to(event: Event) -> list[str]:
    return [event.organiser_email] if event.organiser_email else []


# --- Tickets: QR code and calendar invitation ---------------------------------------


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def invitation_ics(
    registration: Registration,
    *,
    method: str,
    attendee_email: str,
    attendee_name: str,
    sequence: int,
) -> bytes:
    """Return a REQUEST (add or update) or CANCEL calendar invitation for one place."""
    event = registration.event
    organizer = icalendar.vCalAddress.new(
        event.organiser_email or settings.DEFAULT_FROM_EMAIL,
        cn=event.organiser_name or settings.NETWORK_NAME,
    )
    attendee = icalendar.vCalAddress.new(
        attendee_email,
        cn=attendee_name,
        role="REQ-PARTICIPANT",
        partstat="ACCEPTED" if method == "REQUEST" else None,
        rsvp=False,
    )
    vevent = ical.vevent_for_event(
        event,
        organizer=organizer,
        attendees=[attendee],
        show_online_link=method == "REQUEST",
    )
    vevent.uid = ical.registration_uid(registration)
    vevent.sequence = sequence
    if method == "CANCEL":
        vevent.status = icalendar.STATUS.CANCELLED
    calendar = ical.new_calendar(method=method)
    calendar.add_component(vevent)
    return ical.calendar_to_ical(calendar)


def _calendar_attachment(content: bytes, *, method: str) -> Attachment:
    # Django adds "charset=utf-8" itself; naming it here too would repeat it.
    return Attachment("invite.ics", content, CALENDAR_MIMETYPE.format(method=method))


def _qr_attachment(registration: Registration, *, content_id: str) -> Attachment:
    # The same part is both the attachment the text part mentions and the
    # image the HTML part shows by Content-ID: mail clients block data: URIs
    # and SVG. core.email's Attachment has no Content-ID, but Django's
    # attach() also takes a ready MIME part in place of a filename.
    image = MIMEImage(qr_png(registration.ticket_secret), "png")
    image.add_header("Content-ID", f"<{content_id}>")
    image.add_header("Content-Disposition", "attachment", filename=ticket_filename(registration))
    return Attachment(image, None, None)


def ticket_filename(registration: Registration) -> str:
    return f"ticket-{registration.order.reference}-{registration.pk}.png"


def ticket_email_send(*, registration: Registration, transferred_from: str = "") -> int:
    """Send a confirmed delegate their ticket: QR code, details and calendar invitation.

    `registration` needs its event (with venue), ticket type and order
    loaded. `transferred_from` names the colleague who handed the place on.
    """
    event = registration.event
    content_id = f"ticket-{registration.pk}@{_host()}"
    invitation = invitation_ics(
        registration,
        method="REQUEST",
        attendee_email=registration.email,
        attendee_name=registration.full_name,
        sequence=ical.registration_sequence(registration),
    )
    return send_email(
        to=[registration.email],
        template="email/events/ticket",
        context={
            **_event_context(event),
            "registration": registration,
            "order": registration.order,
            "transferred_from": transferred_from,
            "online_link": event.online_link if event.is_online else "",
            "qr_content_id": content_id,
            "qr_filename": ticket_filename(registration),
            "ticket_url": ticket_page_url(registration),
        },
        attachments=[
            _qr_attachment(registration, content_id=content_id),
            _calendar_attachment(invitation, method="REQUEST"),
        ],
        reply_to=_reply_to(event),
    )


# --- Sending once -----------------------------------------------------------------


def _send_once(key: str, send: Callable[[], int]) -> int:
    """Send unless an earlier run of the same task already did.

    django-q2 runs a task again when a worker dies or times out part way;
    a marker in the shared cache stops the messages already sent from going
    twice. A failed send removes its marker, so the retry sends it.
    """
    marker = f"events:email-sent:{key}"
    if not cache.add(marker, True, timeout=SENT_MARKER_SECONDS):
        return 0
    try:
        return send()
    except Exception:
        cache.delete(marker)
        raise


# --- Bookings ----------------------------------------------------------------------


def _places() -> QuerySet[Registration]:
    return Registration.objects.select_related(
        "event", "event__venue", "ticket_type", "order"
    ).order_by("pk")


def booking_emails_send(*, order_id: int) -> None:
    """Email the booker and the delegates about an order's places.

    A card order waiting for payment gets one message to the booker saying
    how long the places are held. Otherwise the booker gets a confirmation
    and each confirmed delegate a ticket. Released orders get nothing.
    """
    order = Order.objects.prefetch_related(
        "lines", Prefetch("event_registrations", queryset=_places())
    ).get(pk=order_id)
    places = list(order.event_registrations.all())
    if not places:
        return
    event = places[0].event
    context = {**_event_context(event), "order": order, "places": places}

    if order.state == Order.State.PENDING and order.payment_method == Order.PaymentMethod.CARD:
        if order.expires_at and order.expires_at <= timezone.now():
            return
        context["held_until"] = london_time(order.expires_at) if order.expires_at else ""
        _send_once(
            f"held:{order.pk}",
            lambda: send_email(
                to=[order.booker_email],
                template="email/events/booking_held",
                context=context,
                reply_to=_reply_to(event),
            ),
        )
        return
    if order.state not in (Order.State.PAID, Order.State.PENDING):
        return

    context["lines"] = list(order.lines.all())
    context["my_bookings_url"] = _absolute("/my-bookings/")
    _send_once(
        f"confirmation:{order.pk}",
        lambda: send_email(
            to=[order.booker_email],
            template="email/events/booking_confirmation",
            context=context,
            reply_to=_reply_to(event),
        ),
    )
    for registration in places:
        if registration.state != Registration.State.CONFIRMED:
            continue
        _send_once(
            f"ticket:{registration.pk}:{registration.ticket_secret}",
            lambda registration=registration: ticket_email_send(registration=registration),
        )


# --- Cancellation and transfer --------------------------------------------------------


def _delegate_was_told(registration: Registration) -> bool:
    # Delegates get their ticket (and invitation) once the place is
    # confirmed; a card order never paid never confirmed it.
    order = registration.order
    return not (order.payment_method == Order.PaymentMethod.CARD and order.paid_at is None)


def cancellation_email_send(*, registration_id: int) -> None:
    """Tell the delegate their place is cancelled and take it out of their calendar.

    The booker gets a copy, without the calendar cancellation, when they are
    someone else. A delegate who never had a ticket is not told.
    """
    registration = _places().get(pk=registration_id)
    if registration.state != Registration.State.CANCELLED:
        return
    event = registration.event
    context = {**_event_context(event), "registration": registration}

    def send() -> int:
        sent = 0
        booker_email = registration.order.booker_email.strip().lower()
        if _delegate_was_told(registration):
            invitation = invitation_ics(
                registration,
                method="CANCEL",
                attendee_email=registration.email,
                attendee_name=registration.full_name,
                sequence=ical.registration_sequence(registration) + 1,
            )
            sent += send_email(
                to=[registration.email],
                template="email/events/cancellation",
                context={**context, "for_booker": False},
                attachments=[_calendar_attachment(invitation, method="CANCEL")],
                reply_to=_reply_to(event),
            )
        if booker_email and booker_email != registration.email.lower():
            sent += send_email(
                to=[registration.order.booker_email],
                template="email/events/cancellation",
                context={**context, "for_booker": True},
                reply_to=_reply_to(event),
            )
        return sent

    _send_once(f"cancellation:{registration.pk}", send)


def transfer_emails_send(*, registration_id: int, previous: dict) -> None:
    """Tell the previous holder their place was transferred, and send the new one a ticket.

    The previous holder's calendar entry is cancelled; the new holder's
    invitation has the same UID and a higher SEQUENCE.
    """
    registration = _places().get(pk=registration_id)
    event = registration.event
    previous_name = f"{previous['first_name']} {previous['last_name']}".strip()

    def send() -> int:
        if not _delegate_was_told(registration):
            return 0
        sequence = ical.registration_sequence(registration)
        invitation = invitation_ics(
            registration,
            method="CANCEL",
            attendee_email=previous["email"],
            attendee_name=previous_name,
            sequence=sequence,
        )
        sent = send_email(
            to=[previous["email"]],
            template="email/events/transfer",
            context={
                **_event_context(event),
                "registration": registration,
                "previous_first_name": previous["first_name"],
            },
            attachments=[_calendar_attachment(invitation, method="CANCEL")],
            reply_to=_reply_to(event),
        )
        if registration.state == Registration.State.CONFIRMED:
            sent += ticket_email_send(registration=registration, transferred_from=previous_name)
        return sent

    _send_once(f"transfer:{registration.pk}:{registration.ticket_secret}", send)


# --- Waiting list ---------------------------------------------------------------------


def waiting_list_offer_send(*, entry_id: int) -> None:
    """Offer a freed place to someone on the waiting list, with a link that books it.

    Nothing is sent if the offer has been taken up, withdrawn or has run out.
    """
    entry = WaitingListEntry.objects.select_related("event", "event__venue").get(pk=entry_id)
    if entry.state != WaitingListEntry.State.OFFERED or (
        entry.offer_expires_at and entry.offer_expires_at <= timezone.now()
    ):
        return
    event = entry.event
    book_url = _absolute(f"{event.get_absolute_url()}book/?offer={entry.offer_token}")
    _send_once(
        f"offer:{entry.pk}:{entry.offer_token}",
        lambda: send_email(
            to=[entry.email],
            template="email/events/waiting_list_offer",
            context={
                **_event_context(event),
                "entry": entry,
                "offer_expires": london_time(entry.offer_expires_at),
                "book_url": book_url,
            },
            reply_to=_reply_to(event),
        ),
    )


# --- Reminders ------------------------------------------------------------------------


def registrations_due_reminder(
    *, kind: ReminderSent.Kind, now: datetime.datetime
) -> QuerySet[Registration]:
    """Confirmed places at published events whose `kind` reminder is due now.

    Due when the event starts within the reminder's lead time, but not
    within the next shorter reminder's. Not due when the place was booked
    inside that window (the ticket has just gone), or when this reminder was
    already sent for the event's current start: everything is worked out
    from the start time now, so reminders move when the event moves.
    """
    lead = REMINDER_LEAD[kind]
    shorter = [other for other in REMINDER_LEAD.values() if other < lead]
    window_opens = OuterRef("event__starts_at") - lead
    already_sent = ReminderSent.objects.filter(
        registration=OuterRef("pk"), kind=kind, sent_at__gte=window_opens
    )
    return (
        _places()
        .filter(
            state=Registration.State.CONFIRMED,
            event__status=Event.Status.PUBLISHED,
            event__starts_at__gt=now + max(shorter, default=datetime.timedelta(0)),
            event__starts_at__lte=now + lead,
            created_at__lte=F("event__starts_at") - lead,
        )
        .exclude(Exists(already_sent))
        .order_by("event__starts_at", "pk")
    )


def _claim_reminder(
    registration: Registration, *, kind: ReminderSent.Kind, now: datetime.datetime
) -> ReminderSent | None:
    """Record that the reminder is going, or return None if another run has it.

    The row is committed before the message goes, so two runs at once
    cannot both send. A row left from an earlier start of the event is
    taken over.
    """
    window_opens = registration.event.starts_at - REMINDER_LEAD[kind]
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = ReminderSent.objects.create(registration=registration, kind=kind)
        except IntegrityError:
            claimed = ReminderSent.objects.filter(
                registration=registration, kind=kind, sent_at__lt=window_opens
            ).update(sent_at=now)
            if not claimed:
                return None
            claim = ReminderSent.objects.get(registration=registration, kind=kind)
        else:
            # sent_at says which start of the event this reminder was for.
            ReminderSent.objects.filter(pk=claim.pk).update(sent_at=now)
    return claim


def reminder_email_send(*, registration: Registration, kind: ReminderSent.Kind, now=None) -> int:
    """Send one delegate a reminder of their event, with what they need on the day."""
    now = now or timezone.now()
    event = registration.event
    start = event.starts_at.astimezone(LONDON)
    today = now.astimezone(LONDON).date()
    if start.date() == today:
        day = "today"
    elif start.date() == today + datetime.timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {london_date(start)}"
    return send_email(
        to=[registration.email],
        template="email/events/reminder",
        context={
            **_event_context(event),
            "registration": registration,
            "kind": kind,
            "day": day,
            "online_link": event.online_link if event.is_online else "",
            "ticket_url": ticket_page_url(registration),
        },
        reply_to=_reply_to(event),
    )


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send the reminders due now, each at most once per start of the event.

    Return how many were sent. A reminder that fails to send is recorded as
    not sent, so the next run tries again.
    """
    now = now or timezone.now()
    sent = 0
    for kind in REMINDER_LEAD:
        for registration in registrations_due_reminder(kind=kind, now=now):
            claim = _claim_reminder(registration, kind=kind, now=now)
            if claim is None:
                continue
            try:
                sent += reminder_email_send(registration=registration, kind=kind, now=now)
            except Exception:
                logger.exception("Reminder %s to registration %s failed", kind, registration.pk)
                ReminderSent.objects.filter(pk=claim.pk).delete()
    return sent
