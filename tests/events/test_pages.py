"""The public event pages, as a visitor meets them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, TicketType
from events.selectors import event_availability, with_places_taken
from payments.models import Order
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.events.factories import (
    EventFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
    TicketTypeFactory,
    london,
)

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _availability(event, now=None):
    event = with_places_taken(Event.objects.filter(pk=event.pk), now=now or timezone.now()).get()
    return event_availability(event=event, now=now)


# --- availability ----------------------------------------------------------------


def test_places_available():
    event = EventFactory(capacity=100)
    RegistrationFactory.create_batch(3, ticket_type=TicketTypeFactory(event=event))

    availability = _availability(event)

    assert (availability.label, availability.places_left) == ("Places available", 97)
    assert availability.registration_open


def test_few_places_left_at_ten_per_cent():
    event = EventFactory(capacity=100)
    RegistrationFactory.create_batch(90, ticket_type=TicketTypeFactory(event=event))

    assert _availability(event).label == "Few places left"


def test_fully_booked_counts_confirmed_and_unexpired_pending():
    event = EventFactory(capacity=3)
    ticket = TicketTypeFactory(event=event)
    RegistrationFactory(ticket_type=ticket)
    card_order = Order.objects.create(
        booker_name="B",
        booker_email="b@example.org",
        payment_method=Order.PaymentMethod.CARD,
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    RegistrationFactory.create_batch(2, ticket_type=ticket, order=card_order, state="pending")

    availability = _availability(event)

    assert (availability.label, availability.places_left) == ("Fully booked", 0)
    assert not availability.registration_open


def test_expired_pending_and_cancelled_places_do_not_count():
    event = EventFactory(capacity=2)
    ticket = TicketTypeFactory(event=event)
    expired = Order.objects.create(
        booker_name="B",
        booker_email="b@example.org",
        payment_method=Order.PaymentMethod.CARD,
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    RegistrationFactory(ticket_type=ticket, order=expired, state="pending")
    RegistrationFactory(ticket_type=ticket, state="cancelled")

    assert _availability(event).places_left == 2


def test_registration_not_yet_open():
    event = EventFactory(
        starts_at=london(2030, 3, 1, 9),
        ends_at=london(2030, 3, 1, 17),
        registration_opens_at=london(2030, 1, 6, 9),
    )

    availability = _availability(event, now=london(2030, 1, 1))

    assert availability.label == "Registration opens on 6 January 2030 at 9am"
    assert not availability.registration_open


def test_registration_closed_after_closing_time_and_after_event():
    event = EventFactory(
        starts_at=london(2030, 3, 1, 9),
        ends_at=london(2030, 3, 1, 17),
        registration_closes_at=london(2030, 2, 20, 17),
    )

    assert _availability(event, now=london(2030, 2, 21)).label == "Registration closed"
    assert _availability(event, now=london(2030, 2, 19)).label == "Places available"


def test_cancelled_event_says_so():
    event = EventFactory(status=Event.Status.CANCELLED)

    assert _availability(event).label == "Cancelled"


# --- list ----------------------------------------------------------------------


def test_list_shows_upcoming_published_events_only(client):
    EventFactory(title="Future published")
    EventFactory(title="Future cancelled", status=Event.Status.CANCELLED)
    EventFactory(title="Future draft", status=Event.Status.DRAFT)
    EventFactory(
        title="Long gone",
        starts_at=timezone.now() - datetime.timedelta(days=10),
        ends_at=timezone.now() - datetime.timedelta(days=9),
    )

    text = _text(client.get("/events/"))

    assert "Future published" in text
    assert "Future cancelled" in text
    assert "Future draft" not in text
    assert "Long gone" not in text
    assert "2 upcoming events" in text


def test_past_archive(client):
    EventFactory(title="Future published")
    EventFactory(
        title="Share Digital 2019",
        starts_at=london(2019, 6, 11, 8, 30),
        ends_at=london(2019, 6, 11, 17),
    )

    text = _text(client.get("/events/past/"))

    assert "Share Digital 2019" in text
    assert "Future published" not in text
    assert "Share Digital 2019" in _text(client.get("/events/past/?q=share"))
    assert "Share Digital 2019" not in _text(client.get("/events/past/?q=nothing"))


def test_filters_month_format_price_and_search(client):
    now = timezone.localtime()
    next_month = (now.replace(day=1) + datetime.timedelta(days=32)).replace(day=1, hour=10)
    online = EventFactory(
        title="Online webinar", format=Event.Format.ONLINE, venue=None, starts_at=next_month
    )
    TicketTypeFactory(event=online, price_net=Decimal("0.00"))
    paid = EventFactory(
        title="Paid conference", starts_at=next_month + datetime.timedelta(days=40)
    )
    TicketTypeFactory(event=paid, price_net=Decimal("195.00"))

    def titles(query):
        text = _text(client.get(f"/events/?{query}"))
        return {t for t in ("Online webinar", "Paid conference") if t in text}

    assert titles("format=online") == {"Online webinar"}
    assert titles("format=online&format=in_person") == {"Online webinar", "Paid conference"}
    assert titles("price=free") == {"Online webinar"}
    assert titles("price=paid") == {"Paid conference"}
    assert titles(f"month={next_month:%Y-%m}") == {"Online webinar"}
    assert titles("q=CONFERENCE") == {"Paid conference"}


@pytest.mark.parametrize(
    "query",
    ["month=June", "month=2026-13", "format=hologram", "price=cheap", "page=x", "page=999"],
)
def test_bad_filter_values_are_ignored_with_a_message(client, query):
    EventFactory(title="Still listed")

    response = client.get(f"/events/?{query}")

    assert response.status_code == 200
    text = _text(response)
    assert "Still listed" in text
    if not query.startswith("page"):
        assert "Some filters were not understood and have been ignored" in text


def test_pagination(client):
    for n in range(25):
        EventFactory(
            title=f"Meeting number {n:02d}",
            starts_at=timezone.now() + datetime.timedelta(days=n + 1),
        )

    first, second = _text(client.get("/events/")), _text(client.get("/events/?page=2"))

    assert "Meeting number 00" in first and "Meeting number 20" not in first
    assert "Meeting number 20" in second
    assert 'rel="next"' in first


# --- event page ---------------------------------------------------------------


@pytest.fixture
def conference():
    event = EventFactory(
        title="Share Digital",
        slug="share-digital",
        starts_at=london(2030, 6, 11, 8, 30),
        ends_at=london(2030, 6, 11, 17),
    )
    TicketTypeFactory(
        event=event,
        name="Member",
        audience=TicketType.Audience.MEMBER,
        price_net=Decimal("195.00"),
    )
    TicketTypeFactory(
        event=event,
        name="Non-member",
        audience=TicketType.Audience.NON_MEMBER,
        price_net=Decimal("345.00"),
    )
    TicketTypeFactory(event=event, name="Comp", hidden=True, price_net=Decimal("0.00"))
    eira = SpeakerFactory(name="Eira Hughes", organisation="Conwy County Borough Council")
    session = SessionFactory(
        event=event,
        title="Digital inclusion in rural Wales",
        starts_at=london(2030, 6, 11, 10),
        ends_at=london(2030, 6, 11, 10, 45),
    )
    session.speakers.add(eira)
    return event


def test_event_page_shows_agenda_speakers_venue_and_both_prices(client, conference):
    text = _text(client.get("/events/share-digital/"))

    assert "Tuesday 11 June 2030" in text
    assert "8:30am" in text
    assert "Digital inclusion in rural Wales" in text
    assert "10:00 to 10:45" in text
    assert "Eira Hughes" in text
    assert conference.venue.name in text
    assert "hearing loop" in text
    # Both prices to a visitor who has not signed in, with and without VAT.
    assert "£195.00" in text and "£234.00" in text
    assert "£345.00" in text and "£414.00" in text
    assert "Comp" not in text
    assert "Places available" in text
    assert "/events/share-digital.ics" in text
    assert "calendar.google.com" in text and "outlook.office.com" in text


def test_member_sees_member_price_and_non_member_sees_theirs(client, conference):
    OrganisationFactory(name="Conwy", domains=["conwy.gov.uk"])
    client.force_login(UserFactory(email="eira@conwy.gov.uk"))
    text = _text(client.get("/events/share-digital/"))
    assert "£195.00" in text and "£345.00" not in text

    client.force_login(UserFactory(email="someone@example.com"))
    text = _text(client.get("/events/share-digital/"))
    assert "£345.00" in text and "£195.00" not in text


def test_cancelled_event_is_plainly_marked(client, conference):
    conference.status = Event.Status.CANCELLED
    conference.save()

    text = _text(client.get("/events/share-digital/"))

    assert "This event has been cancelled" in text
    assert "Cancelled: Share Digital" in text


def test_online_link_is_not_shown_on_the_public_page(client):
    EventFactory(
        slug="webinar", format=Event.Format.ONLINE, online_link="https://meet.example.org/secret"
    )

    assert "meet.example.org/secret" not in _text(client.get("/events/webinar/"))


def test_unknown_slug_is_404(client):
    assert client.get("/events/no-such-event/").status_code == 404


def test_draft_is_404_except_to_staff_who_can_change_events(client):
    EventFactory(slug="draft-event", title="Secret plans", status=Event.Status.DRAFT)
    assert client.get("/events/draft-event/").status_code == 404

    client.force_login(UserFactory())
    assert client.get("/events/draft-event/").status_code == 404

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_event"))
    client.force_login(staff)
    response = client.get("/events/draft-event/")
    assert response.status_code == 200
    assert "This event is a draft" in _text(response)


def test_home_page_lists_upcoming_events(client):
    EventFactory(title="Coming soon")

    assert "Coming soon" in _text(client.get("/"))


# --- queries stay flat -------------------------------------------------------


def _make_events(count):
    for n in range(count):
        event = EventFactory(title=f"Event {n}")
        TicketTypeFactory(event=event)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/events/", "/events/feed.ics", "/"])
def test_list_queries_do_not_grow_with_events(client, url):
    _make_events(3)
    few = _queries(client, url)
    _make_events(297)

    assert _queries(client, url) == few


def test_event_page_queries_do_not_grow_with_agenda_or_tickets(client, conference):
    few = _queries(client, "/events/share-digital/")
    for n in range(30):
        session = SessionFactory(event=conference, title=f"Extra {n}")
        session.speakers.add(SpeakerFactory())
        TicketTypeFactory(event=conference, name=f"Ticket {n}")
        RegistrationFactory(ticket_type=conference.ticket_types.first())

    assert _queries(client, "/events/share-digital/") == few
