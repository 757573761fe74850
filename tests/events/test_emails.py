"""The emails bookers and delegates get, read as they would read them."""

import datetime
import io
from decimal import Decimal

import icalendar
import pytest
import segno
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import User
from events import notifications
from events.exceptions import SoldOut
from events.models import Event, Registration, ReminderSent, WaitingListEntry
from events.services.booking import DelegateDetails, PlaceRequest, booking_create
from events.services.places import registration_cancel, registration_transfer
from events.services.waiting_list import waiting_list_join
from payments.models import Order
from payments.services import Billing, order_mark_paid
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory, TicketTypeFactory, VenueFactory, london

pytestmark = pytest.mark.django_db

SITE_URL = "https://events.digital-leaders.example"
HOST = "events.digital-leaders.example"
ORGANISER = "events@digital-leaders.example"
JOIN_LINK = "https://meet.example.org/j/123456"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.DEFAULT_FROM_EMAIL = "no-reply@digital-leaders.example"


@pytest.fixture(autouse=True)
def _no_invoice_emails(monkeypatch):
    """Leave the invoice email (tests/payments/test_documents.py) out of these outboxes."""
    monkeypatch.setattr("payments.tasks.send_invoice_email", lambda *args, **kwargs: 0)


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    """Book through the booking service and run what it queues on commit."""

    def book(event, *delegates, payment_method="invoice", ticket=None, booker_email=None, **kw):
        ticket = ticket or event.ticket_types.first()
        email = booker_email or "rhian@conwy.gov.uk"
        booker = User.objects.filter(email=email).first() or UserFactory(email=email)
        with django_capture_on_commit_callbacks(execute=True):
            return booking_create(
                event_id=event.pk,
                booker=booker,
                booker_name="Rhian Pritchard",
                booker_email=booker.email,
                places=[PlaceRequest(ticket.pk, delegate) for delegate in delegates],
                payment_method=payment_method,
                billing=Billing(
                    organisation="Conwy County Borough Council", purchase_order="PO-77"
                ),
                **kw,
            )

    return book


def delegate(first, last, email, **kw) -> DelegateDetails:
    return DelegateDetails(first_name=first, last_name=last, email=email, **kw)


def event_with_ticket(**kw) -> Event:
    event = EventFactory(**kw)
    TicketTypeFactory(event=event, name="Standard", price_net=Decimal("100.00"))
    return event


def text(message) -> str:
    return message.body


def html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def parts(message, content_type: str) -> list:
    return [p for p in message.message().walk() if p.get_content_type() == content_type]


def invitation(message) -> icalendar.Calendar:
    [part] = parts(message, "text/calendar")
    assert part.get_filename() == "invite.ics"
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(calendar.method)
    return calendar


def only_vevent(calendar: icalendar.Calendar) -> icalendar.Event:
    [vevent] = calendar.events
    return vevent


def to(mailoutbox, address: str) -> list:
    return [m for m in mailoutbox if m.to == [address]]


def only(mailoutbox, address: str):
    [message] = to(mailoutbox, address)
    return message


def assert_qr_encodes(png: bytes, secret: str) -> None:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = segno.make_qr(secret, error="m").matrix
    image = Image.open(io.BytesIO(png)).convert("L")
    # The dark modules' bounding box is the symbol without its quiet zone.
    left, top, right, _ = Image.eval(image, lambda v: 255 - v).getbbox()
    size = len(expected)
    scale = (right - left) / size
    assert scale >= 4, "each module should be at least 4 pixels wide to scan well"
    read = [
        bytearray(
            int(image.getpixel((left + (x + 0.5) * scale, top + (y + 0.5) * scale)) < 128)
            for x in range(size)
        )
        for y in range(size)
    ]
    assert read == [bytearray(row) for row in expected]


# --- Booking confirmation and tickets --------------------------------------------------


def test_invoice_booking_confirms_to_the_booker_and_sends_each_delegate_a_ticket(book, mailoutbox):
    event = event_with_ticket(
        title="Digital leaders north west",
        starts_at=london(2030, 6, 11, 9, 30),
        ends_at=london(2030, 6, 11, 16, 30),
    )
    order = book(
        event,
        delegate("Siân", "Hughes", "sian@conwy.gov.uk"),
        delegate("Dafydd", "Evans", "dafydd@conwy.gov.uk"),
    )

    assert sorted(m.to[0] for m in mailoutbox) == [
        "dafydd@conwy.gov.uk",
        "rhian@conwy.gov.uk",
        "sian@conwy.gov.uk",
    ]
    confirmation = only(mailoutbox, "rhian@conwy.gov.uk")
    assert confirmation.subject == (
        f"Booking confirmed: Digital leaders north west (reference {order.reference})"
    )
    assert confirmation.reply_to == [ORGANISER]
    assert confirmation.attachments == []
    for body in (text(confirmation), html(confirmation)):
        assert order.reference in body
        assert "Tuesday 11 June 2030, 9:30am to 4:30pm" in body
        assert "Siân Hughes: Standard" in body
        assert "Dafydd Evans: Standard" in body
        # Two places at £100 net: £200 net, £40 VAT, £240 in all.
        for amount in ("£100.00", "£200.00", "£40.00", "£240.00"):
            assert amount in body
        assert "20%" in body
        assert "invoice will follow" in body
        assert "payment terms" in body
        assert "PO-77" in body
        assert f"{SITE_URL}/my-bookings/" in body
        assert "/my-bookings/places/" not in body
    assert '<html lang="en-GB">' in html(confirmation)
    assert "<title>Booking confirmed: Digital leaders north west" in html(confirmation)

    ticket = only(mailoutbox, "sian@conwy.gov.uk")
    assert ticket.subject == "Your ticket for Digital leaders north west"
    assert ticket.reply_to == [ORGANISER]
    registration = Registration.objects.get(email="sian@conwy.gov.uk")
    for body in (text(ticket), html(ticket)):
        assert "Dear Siân" in body
        assert "Siân Hughes" in body
        assert "Standard" in body
        assert "Tuesday 11 June 2030, 9:30am to 4:30pm" in body
        assert event.venue.one_line in body
        assert f"{SITE_URL}/my-bookings/places/{registration.pk}/" in body
        # The secret travels only inside the QR code.
        assert registration.ticket_secret not in body
    assert "Dafydd" not in text(ticket)


def test_a_ticket_carries_a_qr_code_of_its_secret_as_an_attachment_and_inline_image(
    book, mailoutbox
):
    event = event_with_ticket()
    order = book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    registration = Registration.objects.get()

    message = only(mailoutbox, "sian@conwy.gov.uk")
    [image] = parts(message, "image/png")
    assert image.get_filename() == f"ticket-{order.reference}-{registration.pk}.png"
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html(message)
    assert "QR code attached to this email" in text(message)
    assert image.get_filename() in text(message)
    assert_qr_encodes(image.get_payload(decode=True), registration.ticket_secret)


def test_a_ticket_carries_a_calendar_invitation_for_the_delegate(book, mailoutbox):
    event = event_with_ticket(
        starts_at=london(2030, 6, 11, 9, 30), ends_at=london(2030, 6, 11, 16, 30)
    )
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    registration = Registration.objects.get()

    message = only(mailoutbox, "sian@conwy.gov.uk")
    [part] = parts(message, "text/calendar")
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    calendar = invitation(message)
    assert calendar.method == "REQUEST"
    vevent = only_vevent(calendar)
    assert vevent.uid == f"registration-{registration.pk}@{HOST}"
    assert vevent.sequence == event.sequence
    assert vevent.start == london(2030, 6, 11, 9, 30)
    assert str(vevent.start.tzinfo) == "Europe/London"
    assert vevent["ORGANIZER"] == f"mailto:{ORGANISER}"
    assert vevent["ORGANIZER"].params["CN"] == "Events team"
    [attendee] = vevent.attendees
    assert attendee == "mailto:sian@conwy.gov.uk"
    assert attendee.params["CN"] == "Siân Hughes"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert calendar.walk("VTIMEZONE"), "clients need the VTIMEZONE for Europe/London"


def test_the_invitation_comes_from_the_service_when_the_event_has_no_organiser_email(
    book, mailoutbox, settings
):
    event = event_with_ticket(organiser_email="", organiser_name="")
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))

    message = only(mailoutbox, "sian@conwy.gov.uk")
    organizer = only_vevent(invitation(message))["ORGANIZER"]
    assert organizer == "mailto:no-reply@digital-leaders.example"
    assert organizer.params["CN"] == settings.NETWORK_NAME
    assert message.reply_to == []


@pytest.mark.parametrize("event_format", [Event.Format.ONLINE, Event.Format.HYBRID])
def test_the_joining_link_goes_only_to_delegates_of_online_events(book, mailoutbox, event_format):
    venue = VenueFactory() if event_format == Event.Format.HYBRID else None
    event = event_with_ticket(format=event_format, venue=venue, online_link=JOIN_LINK)
    book(
        event,
        delegate("Siân", "Hughes", "sian@conwy.gov.uk"),
        booker_email="booker@conwy.gov.uk",
    )

    ticket = only(mailoutbox, "sian@conwy.gov.uk")
    assert JOIN_LINK in text(ticket)
    assert f'href="{JOIN_LINK}"' in html(ticket)
    description = str(only_vevent(invitation(ticket))["DESCRIPTION"])
    assert JOIN_LINK in description

    confirmation = only(mailoutbox, "booker@conwy.gov.uk")
    assert JOIN_LINK not in text(confirmation)
    assert JOIN_LINK not in html(confirmation)


def test_no_joining_link_for_an_in_person_event(book, mailoutbox):
    # A link left over from planning must not reach delegates of an in-person event.
    event = event_with_ticket(format=Event.Format.IN_PERSON, online_link=JOIN_LINK)
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))

    for message in mailoutbox:
        assert JOIN_LINK not in text(message)
        assert JOIN_LINK not in html(message)


def test_a_free_booking_says_there_is_nothing_to_pay(book, mailoutbox):
    event = EventFactory()
    TicketTypeFactory(event=event, price_net=Decimal("0.00"))
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"), payment_method="free")

    confirmation = only(mailoutbox, "rhian@conwy.gov.uk")
    assert "nothing to pay" in text(confirmation)
    assert "invoice" not in text(confirmation).lower()
    assert len(to(mailoutbox, "sian@conwy.gov.uk")) == 1


def test_the_booker_who_is_also_a_delegate_gets_a_confirmation_and_a_ticket(book, mailoutbox):
    event = event_with_ticket()
    book(event, delegate("Rhian", "Pritchard", "rhian@conwy.gov.uk"))

    order = Order.objects.get()
    assert sorted(m.subject for m in to(mailoutbox, "rhian@conwy.gov.uk")) == [
        f"Booking confirmed: {event.title} (reference {order.reference})",
        f"Your ticket for {event.title}",
    ]


def test_text_parts_are_not_html_escaped(book, mailoutbox):
    event = event_with_ticket(title="Leaders & innovators' day")
    book(event, delegate("Máire", "O'Brien", "maire@conwy.gov.uk"))

    ticket = only(mailoutbox, "maire@conwy.gov.uk")
    assert ticket.subject == "Your ticket for Leaders & innovators' day"
    assert "Máire O'Brien" in text(ticket)
    assert "&amp;" not in text(ticket) and "&#x27;" not in text(ticket)
    assert "Máire O&#x27;Brien" in html(ticket)
    assert "<title>Your ticket for Leaders &amp; innovators&#x27; day</title>" in html(ticket)


def test_running_the_task_again_sends_nothing_twice(book, mailoutbox):
    event = event_with_ticket()
    order = book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    assert len(mailoutbox) == 2

    notifications.booking_emails_send(order_id=order.pk)

    assert len(mailoutbox) == 2


def test_a_failed_send_is_tried_again_by_the_retry(book, mailoutbox, monkeypatch):
    event = event_with_ticket()
    calls = []

    def fail_once(**kwargs):
        calls.append(kwargs["to"])
        raise ConnectionError("mail server down")

    monkeypatch.setattr(notifications, "send_email", fail_once)
    with pytest.raises(ConnectionError):
        book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    monkeypatch.undo()
    assert calls and mailoutbox == []

    notifications.booking_emails_send(order_id=Order.objects.get().pk)

    assert sorted(m.to[0] for m in mailoutbox) == ["rhian@conwy.gov.uk", "sian@conwy.gov.uk"]


# --- Card orders waiting for payment ---------------------------------------------------


def test_a_card_order_waiting_for_payment_gets_only_the_hold_email(book, mailoutbox):
    event = event_with_ticket(online_link=JOIN_LINK, format=Event.Format.HYBRID)
    order = book(
        event,
        delegate("Siân", "Hughes", "sian@conwy.gov.uk"),
        payment_method="card",
    )
    order.refresh_from_db()
    held_until = notifications.london_time(order.expires_at)

    [message] = mailoutbox
    assert message.to == ["rhian@conwy.gov.uk"]
    assert message.subject == f"Pay by {held_until} to keep your place: {event.title}"
    assert message.attachments == []
    for body in (text(message), html(message)):
        assert held_until in body
        assert "You will get your tickets when the payment goes through." in body
        assert order.reference in body
        assert "Siân Hughes: Standard" in body
        assert "£120.00" in body
        assert f"{SITE_URL}/events/{event.slug}/" in body
        assert JOIN_LINK not in body


def test_paying_the_card_order_sends_the_confirmation_and_tickets(
    book, mailoutbox, django_capture_on_commit_callbacks
):
    event = event_with_ticket()
    order = book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"), payment_method="card")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order_mark_paid(order=order)

    assert sorted(m.to[0] for m in mailoutbox) == ["rhian@conwy.gov.uk", "sian@conwy.gov.uk"]
    confirmation = only(mailoutbox, "rhian@conwy.gov.uk")
    assert "paid by card" in text(confirmation)
    assert invitation(only(mailoutbox, "sian@conwy.gov.uk")).method == "REQUEST"


def test_a_booking_that_fails_sends_nothing(book, mailoutbox, django_capture_on_commit_callbacks):
    event = event_with_ticket(capacity=1)
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(SoldOut):
        booking_create(
            event_id=event.pk,
            booker=None,
            booker_name="Late Booker",
            booker_email="late@conwy.gov.uk",
            places=[PlaceRequest(event.ticket_types.get().pk, delegate("A", "B", "a@b.gov.uk"))],
            payment_method="invoice",
        )

    assert callbacks == []
    assert mailoutbox == []


# --- Cancellation and transfer -----------------------------------------------------------


def test_cancelling_a_place_cancels_the_delegates_calendar_entry(
    book, mailoutbox, django_capture_on_commit_callbacks
):
    event = event_with_ticket()
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    request = only_vevent(invitation(only(mailoutbox, "sian@conwy.gov.uk")))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=Registration.objects.get())

    message = only(mailoutbox, "sian@conwy.gov.uk")
    assert message.subject == f"Place cancelled: {event.title}"
    assert "Your place at" in text(message) and "has been cancelled" in html(message)
    [part] = parts(message, "text/calendar")
    assert part.get_param("method") == "CANCEL"
    calendar = invitation(message)
    assert calendar.method == "CANCEL"
    cancel = only_vevent(calendar)
    assert cancel.uid == request.uid
    assert cancel.sequence == request.sequence + 1
    assert cancel["STATUS"] == "CANCELLED"
    assert cancel.attendees == ["mailto:sian@conwy.gov.uk"]
    assert cancel["ORGANIZER"] == f"mailto:{ORGANISER}"

    # The booker booked for someone else, so hears of it too, without a calendar update.
    copy = only(mailoutbox, "rhian@conwy.gov.uk")
    assert copy.subject == f"Place cancelled: Siân Hughes at {event.title}"
    assert "The place you booked for Siân Hughes" in text(copy)
    assert parts(copy, "text/calendar") == []


def test_a_delegate_who_booked_their_own_place_gets_one_cancellation(
    book, mailoutbox, django_capture_on_commit_callbacks
):
    event = event_with_ticket()
    book(event, delegate("Rhian", "Pritchard", "rhian@conwy.gov.uk"))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=Registration.objects.get())

    [message] = mailoutbox
    assert message.to == ["rhian@conwy.gov.uk"]
    assert invitation(message).method == "CANCEL"


def test_cancelling_an_unpaid_card_place_tells_only_the_booker(
    book, mailoutbox, django_capture_on_commit_callbacks
):
    event = event_with_ticket()
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"), payment_method="card")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=Registration.objects.get())

    [message] = mailoutbox
    assert message.to == ["rhian@conwy.gov.uk"]
    assert parts(message, "text/calendar") == []


def test_transferring_a_place_moves_the_calendar_entry_to_the_colleague(
    book, mailoutbox, django_capture_on_commit_callbacks
):
    event = event_with_ticket()
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    first_request = only_vevent(invitation(only(mailoutbox, "sian@conwy.gov.uk")))
    registration = Registration.objects.get()
    old_secret = registration.ticket_secret
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_transfer(
            registration=registration, to=delegate("Gareth", "Jones", "gareth@conwy.gov.uk")
        )
    registration.refresh_from_db()

    assert sorted(m.to[0] for m in mailoutbox) == ["gareth@conwy.gov.uk", "sian@conwy.gov.uk"]
    previous = only(mailoutbox, "sian@conwy.gov.uk")
    assert previous.subject == f"Your place at {event.title} has been transferred"
    for body in (text(previous), html(previous)):
        assert "Dear Siân" in body
        assert "transferred to Gareth Jones" in body
    cancel = only_vevent(invitation(previous))
    assert invitation(previous).method == "CANCEL"
    assert cancel.uid == first_request.uid
    assert cancel.sequence == first_request.sequence + 1
    assert cancel.attendees == ["mailto:sian@conwy.gov.uk"]

    ticket = only(mailoutbox, "gareth@conwy.gov.uk")
    assert ticket.subject == f"Your ticket for {event.title}"
    assert "Siân Hughes has transferred their place" in text(ticket)
    request = only_vevent(invitation(ticket))
    assert invitation(ticket).method == "REQUEST"
    assert request.uid == first_request.uid
    assert request.sequence == cancel.sequence
    assert request.attendees == ["mailto:gareth@conwy.gov.uk"]
    [image] = parts(ticket, "image/png")
    assert registration.ticket_secret != old_secret
    assert_qr_encodes(image.get_payload(decode=True), registration.ticket_secret)

    # Cancelling after the transfer outranks the colleague's invitation.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration)
    cancel_again = only_vevent(invitation(only(mailoutbox, "gareth@conwy.gov.uk")))
    assert cancel_again.uid == first_request.uid
    assert cancel_again.sequence == request.sequence + 1


# --- Waiting list ------------------------------------------------------------------------


def test_a_freed_place_is_offered_with_a_link_that_books_it(
    book, mailoutbox, django_capture_on_commit_callbacks, settings
):
    event = event_with_ticket(capacity=1)
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    entry = waiting_list_join(event=event, email="next@wrexham.gov.uk", name="Owain Roberts")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=Registration.objects.get())
    entry.refresh_from_db()

    assert entry.state == WaitingListEntry.State.OFFERED
    message = only(mailoutbox, "next@wrexham.gov.uk")
    assert message.subject == f"A place is available: {event.title}"
    assert message.reply_to == [ORGANISER]
    link = f"{SITE_URL}/events/{event.slug}/book/?offer={entry.offer_token}"
    expires = notifications.london_time(entry.offer_expires_at)
    for body in (text(message), html(message)):
        assert "Dear Owain Roberts" in body
        assert link in body
        assert expires in body


def test_no_offer_email_once_the_offer_is_no_longer_open(mailoutbox):
    event = event_with_ticket()
    entry = WaitingListEntry.objects.create(
        event=event,
        email="next@wrexham.gov.uk",
        state=WaitingListEntry.State.EXPIRED,
        offer_expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    notifications.waiting_list_offer_send(entry_id=entry.pk)

    entry.state = WaitingListEntry.State.OFFERED
    entry.offer_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    entry.save()
    notifications.waiting_list_offer_send(entry_id=entry.pk)

    assert mailoutbox == []


# --- Reminders ---------------------------------------------------------------------------


@pytest.fixture
def booked(book, mailoutbox):
    """An in-person event 30 days away, with one delegate booked today."""
    event = event_with_ticket()
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    mailoutbox.clear()
    return event


def reminders(mailoutbox) -> list[str]:
    return [m.subject for m in mailoutbox]


def test_reminders_go_a_week_and_a_day_before_and_only_once(booked, mailoutbox):
    start = booked.starts_at
    title = booked.title

    assert notifications.reminders_send_due(now=start - datetime.timedelta(days=8)) == 0
    assert notifications.reminders_send_due(now=start - datetime.timedelta(days=6, hours=23)) == 1
    assert notifications.reminders_send_due(now=start - datetime.timedelta(days=6)) == 0
    assert notifications.reminders_send_due(now=start - datetime.timedelta(hours=30)) == 0
    assert notifications.reminders_send_due(now=start - datetime.timedelta(hours=23)) == 1
    assert notifications.reminders_send_due(now=start - datetime.timedelta(hours=1)) == 0
    assert notifications.reminders_send_due(now=start + datetime.timedelta(minutes=1)) == 0

    week_day = notifications.london_date(start)
    assert reminders(mailoutbox) == [
        f"Reminder: {title} is on {week_day}",
        f"Reminder: {title} is tomorrow",
    ]
    assert {m.to[0] for m in mailoutbox} == {"sian@conwy.gov.uk"}
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"week", "day"}


def test_a_reminder_has_the_venue_access_information_and_ticket_link(booked, mailoutbox):
    notifications.reminders_send_due(now=booked.starts_at - datetime.timedelta(hours=2))

    [message] = mailoutbox
    registration = Registration.objects.get()
    assert message.reply_to == [ORGANISER]
    for body in (text(message), html(message)):
        assert "today" in body
        assert booked.venue.name in body
        assert "M2 3AA" in body
        assert "Step-free access from the street" in body
        assert booked.venue.map_url in body or booked.venue.map_url.replace("&", "&amp;") in body
        assert f"{SITE_URL}/my-bookings/places/{registration.pk}/" in body
        assert JOIN_LINK not in body


def test_an_online_reminder_has_the_joining_link_and_no_venue(book, mailoutbox):
    event = event_with_ticket(format=Event.Format.ONLINE, venue=None, online_link=JOIN_LINK)
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    mailoutbox.clear()

    notifications.reminders_send_due(now=event.starts_at - datetime.timedelta(hours=20))

    [message] = mailoutbox
    for body in (text(message), html(message)):
        assert JOIN_LINK in body
        assert "Getting there" not in body and "GETTING THERE" not in body
        assert "Where: Online" in body or "<strong>Where:</strong> Online" in body


def test_a_booking_made_within_the_last_week_gets_only_the_day_reminder(book, mailoutbox):
    event = event_with_ticket(
        starts_at=timezone.now() + datetime.timedelta(days=5),
        ends_at=timezone.now() + datetime.timedelta(days=5, hours=6),
    )
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    mailoutbox.clear()

    assert notifications.reminders_send_due(now=timezone.now()) == 0
    assert notifications.reminders_send_due(now=event.starts_at - datetime.timedelta(hours=3)) == 1
    [message] = mailoutbox
    assert message.subject in {
        f"Reminder: {event.title} is today",
        f"Reminder: {event.title} is tomorrow",
    }
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["day"]


def test_reminders_move_when_the_event_moves(booked, mailoutbox):
    old_start = booked.starts_at
    booked.starts_at = old_start + datetime.timedelta(days=14)
    booked.ends_at = booked.starts_at + datetime.timedelta(hours=7)
    booked.save()

    # Six days before the old date the event is still three weeks away.
    assert notifications.reminders_send_due(now=old_start - datetime.timedelta(days=6)) == 0
    assert notifications.reminders_send_due(now=old_start - datetime.timedelta(hours=12)) == 0

    assert notifications.reminders_send_due(now=booked.starts_at - datetime.timedelta(days=6)) == 1
    assert reminders(mailoutbox) == [
        f"Reminder: {booked.title} is on {notifications.london_date(booked.starts_at)}"
    ]


def test_a_reminder_already_sent_goes_again_for_the_events_new_date(booked, mailoutbox):
    old_start = booked.starts_at
    assert notifications.reminders_send_due(now=old_start - datetime.timedelta(days=6)) == 1

    # Moved later after the week reminder went: the delegate needs one for the new date.
    booked.starts_at = old_start + datetime.timedelta(days=21)
    booked.ends_at = booked.starts_at + datetime.timedelta(hours=7)
    booked.save()
    assert notifications.reminders_send_due(now=old_start - datetime.timedelta(days=5)) == 0
    assert notifications.reminders_send_due(now=booked.starts_at - datetime.timedelta(days=6)) == 1
    assert notifications.reminders_send_due(now=booked.starts_at - datetime.timedelta(days=5)) == 0

    assert reminders(mailoutbox) == [
        f"Reminder: {booked.title} is on {notifications.london_date(old_start)}",
        f"Reminder: {booked.title} is on {notifications.london_date(booked.starts_at)}",
    ]


def test_a_reminder_moved_earlier_is_not_sent_again(booked, mailoutbox):
    old_start = booked.starts_at
    assert notifications.reminders_send_due(now=old_start - datetime.timedelta(days=6)) == 1

    booked.starts_at = old_start - datetime.timedelta(days=2)
    booked.ends_at = booked.starts_at + datetime.timedelta(hours=7)
    booked.save()

    assert notifications.reminders_send_due(now=old_start - datetime.timedelta(days=5)) == 0
    assert len(mailoutbox) == 1


def test_no_reminders_for_cancelled_places_or_events(book, booked, mailoutbox):
    other = event_with_ticket(starts_at=booked.starts_at, ends_at=booked.ends_at)
    book(other, delegate("Gareth", "Jones", "gareth@conwy.gov.uk"))
    mailoutbox.clear()
    Registration.objects.filter(event=booked).update(state=Registration.State.CANCELLED)
    other.status = Event.Status.CANCELLED
    other.save()

    assert (
        notifications.reminders_send_due(now=booked.starts_at - datetime.timedelta(hours=2)) == 0
    )
    assert mailoutbox == []


def test_a_reminder_that_fails_to_send_is_sent_by_the_next_run(booked, mailoutbox, monkeypatch):
    now = booked.starts_at - datetime.timedelta(hours=5)

    def fail(**kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(notifications, "send_email", fail)
    assert notifications.reminders_send_due(now=now) == 0
    assert not ReminderSent.objects.exists()
    monkeypatch.undo()

    assert notifications.reminders_send_due(now=now) == 1
    assert len(mailoutbox) == 1


def test_the_scheduled_task_sends_due_reminders(book, mailoutbox):
    from events import tasks

    event = event_with_ticket(
        starts_at=timezone.now() + datetime.timedelta(hours=10),
        ends_at=timezone.now() + datetime.timedelta(hours=16),
        registration_closes_at=None,
    )
    # Booked more than a day ago, so the day reminder is due now.
    book(event, delegate("Siân", "Hughes", "sian@conwy.gov.uk"))
    Registration.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    mailoutbox.clear()

    assert tasks.send_due_reminders() == 1
    assert tasks.send_due_reminders() == 0


# --- Times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (
            datetime.datetime(2030, 6, 11, 8, 30, tzinfo=datetime.UTC),
            "Tuesday 11 June 2030, 9:30am",
        ),
        (
            datetime.datetime(2030, 1, 15, 9, 0, tzinfo=datetime.UTC),
            "Tuesday 15 January 2030, 9am",
        ),
        (
            datetime.datetime(2030, 6, 11, 11, 0, tzinfo=datetime.UTC),
            "Tuesday 11 June 2030, midday",
        ),
        (
            datetime.datetime(2030, 6, 11, 15, 5, tzinfo=datetime.UTC),
            "Tuesday 11 June 2030, 4:05pm",
        ),
    ],
)
def test_times_are_london_times_in_govuk_style(moment, expected):
    assert notifications.london_time(moment) == expected
