import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from events.models import Event, Registration, Session, Speaker, TicketType, Venue
from tests.payments.factories import OrderFactory


def london(year, month, day, hour=9, minute=0) -> datetime.datetime:
    """An aware datetime in Europe/London (the project's TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Conference Centre {n}")
    address = "1 Exchange Square\nManchester"
    postcode = "M2 3AA"
    access_information = "Step-free access from the street; hearing loop in the main hall."
    map_url = "https://www.openstreetmap.org/search?query=M2%203AA"


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Faker("name", locale="en_GB")
    role = "Chief Digital Officer"
    organisation = "Derby City Council"
    bio = "Leads digital transformation across the council."


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Regional meeting {n}")
    slug = factory.Sequence(lambda n: f"regional-meeting-{n}")
    summary = "Digital leaders from the region share what works."
    body = "A day of talks.\n\nAnd discussion."
    format = Event.Format.IN_PERSON
    venue = factory.SubFactory(VenueFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=30)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + datetime.timedelta(hours=7))
    capacity = 100
    status = Event.Status.PUBLISHED
    organiser_name = "Events team"
    organiser_email = "events@digital-leaders.example"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = factory.LazyAttribute(lambda s: s.event.starts_at)
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(minutes=45))
    room = "Main hall"


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    name = "Standard"
    price_net = Decimal("100.00")
    vat_rate = Decimal("20.00")
    audience = TicketType.Audience.EVERYONE


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    ticket_type = factory.SubFactory(TicketTypeFactory)
    event = factory.LazyAttribute(lambda r: r.ticket_type.event)
    order = factory.SubFactory(OrderFactory)
    state = Registration.State.CONFIRMED
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.Sequence(lambda n: f"delegate{n}@conwy.gov.uk")
    organisation = "Conwy County Borough Council"
