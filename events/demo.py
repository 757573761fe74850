"""Demo events, from the network's own public material: past and future, one
nearly full, one fully booked, one cancelled."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.money import price
from events.models import (
    DiscountCode,
    Event,
    Registration,
    Session,
    Speaker,
    TicketType,
    Venue,
    WaitingListEntry,
)
from payments.models import Order, OrderLine, Payment
from payments.services.documents import invoice_issue_locked

F = Event.Format

VENUES = {
    "manchester": dict(
        name="Manchester Central",
        address="Windmill Street\nManchester",
        postcode="M2 3GX",
        access_information=(
            "Step-free access from Windmill Street. Lifts to every floor, accessible "
            "toilets on each level and a hearing loop in the main hall.\n\n"
            "A quiet room is available all day; ask at registration."
        ),
        map_url="https://www.openstreetmap.org/search?query=M2%203GX",
    ),
    "london": dict(
        name="Local Government House",
        address="18 Smith Square\nLondon",
        postcode="SW1P 3HZ",
        access_information="Step-free entrance on Smith Square. Nearest station: Westminster.",
        map_url="https://www.openstreetmap.org/search?query=SW1P%203HZ",
    ),
    "conwy": dict(
        name="Bodlondeb, Conwy",
        address="Bangor Road\nConwy",
        postcode="LL32 8DU",
        access_information="Accessible parking beside the main entrance. Hearing loop.",
        map_url="https://www.openstreetmap.org/search?query=LL32%208DU",
    ),
    "birmingham": dict(
        name="The Exchange, Birmingham",
        address="3 Centenary Square\nBirmingham",
        postcode="B1 2DR",
        access_information="Step-free throughout; lifts to all floors.",
        map_url="https://www.openstreetmap.org/search?query=B1%202DR",
    ),
}

SPEAKERS = [
    (
        "Sam Smith",
        "President",
        "Digital Leaders Network",
        "Leads the network's policy work and its conversations with government.",
    ),
    (
        "Eira Hughes",
        "Head of Digital",
        "Conwy County Borough Council",
        "Has led Conwy's work on digital inclusion across rural communities.",
    ),
    (
        "Rajesh Patel",
        "Chief Information Officer",
        "Derby City Council",
        "Runs Derby's technology and data services.",
    ),
    (
        "Joanna Kowalska",
        "Director of Digital",
        "East Sussex County Council",
        "Brings user-centred design to adult social care.",
    ),
    (
        "Chloé Martin",
        "Head of Data",
        "Gloucestershire County Council",
        "Builds shared data platforms with health partners.",
    ),
]

PEOPLE = [
    ("Siân", "Llŷr"),
    ("Dafydd", "ap Gruffydd"),
    ("Zoë", "Ó Briain"),
    ("Anaïs", "Dubois"),
    ("Gwenllian", "Prys-Roberts"),
    ("Øyvind", "Hansen"),
    ("Aoife", "Ní Mhaolchatha"),
    ("José", "Fernández"),
    ("Rhodri", "Williams"),
    ("Priya", "Shah"),
    ("Tomasz", "Nowak"),
    ("Catrin", "Jones"),
    ("Mohammed", "Rahman"),
    ("Ella", "Thompson"),
    ("Hamish", "MacLeod"),
]
ORGANISATIONS = [
    ("Conwy County Borough Council / Cyngor Bwrdeistref Sirol Conwy", "conwy.gov.uk"),
    ("Blackpool Council", "blackpool.gov.uk"),
    ("Derby City Council", "derby.gov.uk"),
    ("East Sussex County Council", "eastsussex.gov.uk"),
    ("Oldham Council", "oldham.gov.uk"),
    ("Kent County Council", "kent.gov.uk"),
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _weekday(day: datetime.date) -> datetime.date:
    """Move a Saturday or Sunday to the Monday after: the network meets on weekdays."""
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _upsert_event(slug: str, *, sessions=(), tickets=(), **fields) -> Event:
    event = Event.objects.filter(slug=slug).first()
    if event is None:
        event = Event.objects.create(slug=slug, **fields)
    for name, net, audience, extra in tickets:
        TicketType.objects.get_or_create(
            event=event,
            name=name,
            defaults={"price_net": Decimal(net), "audience": audience, **extra},
        )
    speakers = {s.name: s for s in Speaker.objects.all()}
    for title, start, end, room, speaker_names in sessions:
        session, created = Session.objects.get_or_create(
            event=event,
            title=title,
            defaults={"starts_at": start, "ends_at": end, "room": room},
        )
        if created:
            session.speakers.set([speakers[n] for n in speaker_names])
    return event


def _fill(event: Event, places: int, *, rng: random.Random) -> None:
    """Book places on the event in small demo orders until `places` are held.

    Paid places are on invoice: most invoices paid by bank transfer, some
    unpaid (a few of them overdue), so that the finance desk has work to do.
    """
    held = event.registrations.filter(state=Registration.State.CONFIRMED).count()
    ticket_type = event.ticket_types.filter(hidden=False).order_by("price_net").first()
    while held < places:
        size = min(rng.randint(1, 4), places - held)
        organisation, domain = rng.choice(ORGANISATIONS)
        unit = price(ticket_type.price_net, ticket_type.vat_rate)
        free = unit.is_free
        paid = free or rng.random() < 0.6
        order = Order.objects.create(
            booker_name="Demo booker",
            booker_email=f"bookings@{domain}",
            billing_organisation=organisation,
            billing_address="Council Offices\nHigh Street",
            billing_postcode="AB1 2CD",
            purchase_order="" if free else f"PO-{rng.randint(10000, 99999)}",
            payment_method=Order.PaymentMethod.FREE if free else Order.PaymentMethod.INVOICE,
            state=Order.State.PAID if paid else Order.State.PENDING,
            paid_at=timezone.now() if paid else None,
            total_net=unit.net * size,
            total_vat=unit.vat * size,
            total_gross=unit.gross * size,
            supply_date=timezone.localtime(event.starts_at).date(),
        )
        order_line = OrderLine.objects.create(
            order=order,
            description=f"{event.title}: {ticket_type.name}",
            quantity=size,
            unit_net=unit.net,
            vat_rate=ticket_type.vat_rate,
            net=unit.net * size,
            vat=unit.vat * size,
            gross=unit.gross * size,
        )
        if not free:
            _invoice(order, paid=paid)
        for _ in range(size):
            first, last = rng.choice(PEOPLE)
            Registration.objects.create(
                event=event,
                ticket_type=ticket_type,
                order=order,
                order_line=order_line,
                state=Registration.State.CONFIRMED,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{held}@{domain}".encode("ascii", "ignore").decode(),
                job_title="Head of Digital",
                organisation=organisation,
                dietary=rng.choice(["", "", "Vegetarian", "Gluten free", "Halal"]),
                access_needs=rng.choice(["", "", "", "Step-free access", "Hearing loop"]),
                attendee_list_consent=rng.random() < 0.7,
            )
            held += 1


def _invoice(order: Order, *, paid: bool) -> None:
    """Issue the demo order's invoice as if some weeks ago; record the transfer if paid.

    Later orders get later dates, so that invoice numbers follow the dates.
    """
    issued = timezone.now() - datetime.timedelta(days=45) + datetime.timedelta(hours=order.pk * 20)
    invoice = invoice_issue_locked(order=order, now=issued)
    if paid:
        Payment.objects.create(
            order=order,
            method=Payment.Method.BANK_TRANSFER,
            state=Payment.State.SUCCEEDED,
            amount=order.total_gross,
            reference=f"BACS {invoice.number}",
            received_on=timezone.localtime(issued).date() + datetime.timedelta(days=5),
        )


def seed(*, password: str, scale: int) -> str:
    rng = random.Random(2026)
    today = timezone.localdate()
    venues = {
        key: Venue.objects.get_or_create(name=data["name"], defaults=data)[0]
        for key, data in VENUES.items()
    }
    for name, role, organisation, bio in SPEAKERS:
        Speaker.objects.get_or_create(
            name=name, defaults={"role": role, "organisation": organisation, "bio": bio}
        )

    everyone, members, non_members = (
        TicketType.Audience.EVERYONE,
        TicketType.Audience.MEMBER,
        TicketType.Audience.NON_MEMBER,
    )
    conference_policy = (
        "Full refund up to 14 days before the event. After that, send a colleague "
        "in your place at no charge."
    )

    def agenda(day):
        return [
            ("Registration and coffee", _at(day, 8, 30), _at(day, 9, 30), "Foyer", []),
            (
                "Welcome from the President",
                _at(day, 9, 30),
                _at(day, 10, 0),
                "Main hall",
                ["Sam Smith"],
            ),
            (
                "Digital inclusion in rural Wales",
                _at(day, 10, 0),
                _at(day, 10, 45),
                "Main hall",
                ["Eira Hughes"],
            ),
            (
                "Shared platforms with health partners",
                _at(day, 11, 15),
                _at(day, 12, 0),
                "Room 2",
                ["Chloé Martin", "Rajesh Patel"],
            ),
            (
                "Designing adult social care services with users",
                _at(day, 11, 15),
                _at(day, 12, 0),
                "Main hall",
                ["Joanna Kowalska"],
            ),
            ("Lunch and networking", _at(day, 12, 0), _at(day, 13, 0), "Foyer", []),
            (
                "Panel: what we share, we save",
                _at(day, 13, 0),
                _at(day, 14, 0),
                "Main hall",
                ["Rajesh Patel", "Eira Hughes", "Joanna Kowalska"],
            ),
        ]

    conference_tickets = [
        ("Member", "195.00", members, {"description": "For staff of member organisations."}),
        ("Non-member", "345.00", non_members, {}),
        ("Speaker and guest", "0.00", everyone, {"hidden": True}),
    ]

    share_2019_day = datetime.date(2019, 6, 11)
    _upsert_event(
        "share-digital-2019",
        title="Share Digital 2019",
        summary="The network's one-day conference on sharing what works in public sector digital.",
        body="A day of talks, panels and workshops from councils, the NHS and central "
        "government.\n\nShare Digital is where digital leaders swap what worked, what did "
        "not, and what they would reuse.",
        format=F.IN_PERSON,
        venue=venues["manchester"],
        starts_at=_at(share_2019_day, 8, 30),
        ends_at=_at(share_2019_day, 17, 0),
        capacity=300,
        status=Event.Status.PUBLISHED,
        organiser_name="Events team",
        organiser_email="events@digital-leaders.example",
        cancellation_policy=conference_policy,
        cancellation_cutoff_days=14,
        sessions=agenda(share_2019_day),
        tickets=conference_tickets[:2],
    )

    share_day = _weekday(today + datetime.timedelta(days=75))
    share = _upsert_event(
        f"share-digital-{share_day.year}",
        title=f"Share Digital {share_day.year}",
        summary="The network's one-day conference on sharing what works in public sector digital.",
        body="Talks, panels and workshops from councils, the NHS and central government, "
        "with time to meet peers from across the UK.",
        format=F.IN_PERSON,
        venue=venues["manchester"],
        starts_at=_at(share_day, 8, 30),
        ends_at=_at(share_day, 17, 0),
        capacity=250,
        registration_opens_at=_at(today - datetime.timedelta(days=30), 9),
        status=Event.Status.PUBLISHED,
        organiser_name="Events team",
        organiser_email="events@digital-leaders.example",
        cancellation_policy=conference_policy,
        cancellation_cutoff_days=14,
        sessions=agenda(share_day),
        tickets=[
            (
                "Early bird (member)",
                "150.00",
                members,
                {
                    "on_sale_until": _at(today + datetime.timedelta(days=20), 23, 59),
                    "description": "For staff of member organisations, until the early-bird date.",
                },
            ),
            *conference_tickets,
        ],
    )
    _fill(share, 40, rng=rng)

    topics = [
        ("The Spending Review and local digital", 10),
        ("Cyber resilience after the latest incidents", 40),
        ("AI in public services: what the new guidance means", 70),
        ("Procurement Act: what changes for digital buyers", -30),
    ]
    for topic, days in topics:
        day = _weekday(today + datetime.timedelta(days=days))
        slug = "presidents-policy-briefing-" + "-".join(
            "".join(c for c in w.lower() if c.isalnum()) for w in topic.split()[:5]
        )
        _upsert_event(
            slug,
            title=f"President's policy briefing: {topic}",
            summary="A one-hour online briefing from the President's team, with time for "
            "questions.",
            body="The President's team explain what the latest policy means for digital "
            "leaders, and take questions.",
            format=F.ONLINE,
            online_link="https://meet.example.org/briefing",
            starts_at=_at(day, 12, 30),
            ends_at=_at(day, 13, 30),
            capacity=500,
            status=Event.Status.PUBLISHED,
            organiser_name="President's team",
            organiser_email="president@digital-leaders.example",
            cancellation_cutoff_days=0,
            tickets=[("Free place", "0.00", everyone, {})],
        )

    for n, (days, venue_key) in enumerate([(18, "conwy"), (52, "birmingham")], start=1):
        day = _weekday(today + datetime.timedelta(days=days))
        briefing = _upsert_event(
            f"digital-by-choice-briefing-{n}",
            title=f"Digital by choice: bridging the digital divide (briefing {n})",
            summary="How councils and their partners help residents get online, and "
            "make sure nobody is left behind who cannot.",
            body="Findings from the network's Digital by choice work, with case studies "
            "from member councils.",
            format=F.HYBRID,
            venue=venues[venue_key],
            online_link="https://meet.example.org/digital-by-choice",
            starts_at=_at(day, 10),
            ends_at=_at(day, 12, 30),
            capacity=60,
            status=Event.Status.PUBLISHED,
            organiser_name="Events team",
            organiser_email="events@digital-leaders.example",
            tickets=[("Free place", "0.00", everyone, {})],
        )
        if n == 1:
            _fill(briefing, 57, rng=rng)  # nearly full

    cio_day = _weekday(today + datetime.timedelta(days=33))
    cio = _upsert_event(
        "local-cio-council-meeting",
        title="Local CIO Council meeting",
        summary="The quarterly meeting of chief information officers from member councils.",
        body="Members only. Chatham House rule applies.",
        format=F.IN_PERSON,
        venue=venues["london"],
        starts_at=_at(cio_day, 10, 30),
        ends_at=_at(cio_day, 15, 30),
        capacity=30,
        status=Event.Status.PUBLISHED,
        members_only=True,
        organiser_name="Local CIO Council secretariat",
        organiser_email="cio-council@digital-leaders.example",
        tickets=[("Member place", "0.00", members, {})],
    )
    _fill(cio, 30, rng=rng)  # fully booked
    for position, (email, name) in enumerate(
        [
            ("cio@oldham.gov.uk", "Oldham CIO"),
            ("head.of.it@portsmouthcc.gov.uk", "Portsmouth Head of IT"),
            ("digital@staffordshire.gov.uk", "Staffordshire Digital Lead"),
        ],
        start=1,
    ):
        WaitingListEntry.objects.get_or_create(
            event=cio, email=email, defaults={"name": name, "position": position}
        )

    regions = [
        ("North West", "manchester", 25, Event.Status.PUBLISHED),
        ("Wales", "conwy", 45, Event.Status.PUBLISHED),
        ("Midlands", "birmingham", 12, Event.Status.CANCELLED),
        ("London and South East", "london", -60, Event.Status.PUBLISHED),
        ("Yorkshire and Humber", "manchester", 120, Event.Status.DRAFT),
    ]
    for region, venue_key, days, status in regions:
        day = _weekday(today + datetime.timedelta(days=days))
        _upsert_event(
            "regional-meeting-" + region.lower().replace(" ", "-"),
            title=f"{region} regional meeting",
            summary=f"Digital leaders from the {region} region meet to share work in progress.",
            format=F.IN_PERSON,
            venue=venues[venue_key],
            starts_at=_at(day, 10),
            ends_at=_at(day, 15),
            capacity=40,
            registration_opens_at=_at(today + datetime.timedelta(days=3), 9)
            if days > 100
            else None,
            status=status,
            organiser_name="Regional coordinator",
            organiser_email="regions@digital-leaders.example",
            tickets=[
                ("Member", "0.00", members, {}),
                ("Non-member", "45.00", non_members, {}),
            ],
        )

    DiscountCode.objects.get_or_create(
        code="SHARE10",
        defaults={
            "description": "10% off Share Digital for partner networks",
            "kind": DiscountCode.Kind.PERCENT,
            "value": Decimal("10"),
            "event": share,
            "usage_limit": 25,
        },
    )
    DiscountCode.objects.get_or_create(
        code="SPEAKERGUEST",
        defaults={
            "description": "£50 off any event for speakers' guests",
            "kind": DiscountCode.Kind.FIXED,
            "value": Decimal("50"),
        },
    )

    _seed_scale(scale=scale, today=today, venues=list(venues.values()))
    return f"{Event.objects.count()} events, {Registration.objects.count()} places booked"


def _seed_scale(*, scale: int, today: datetime.date, venues: list[Venue]) -> None:
    """Add 40 more events for each step of --scale above 1, in bulk."""
    if scale <= 1:
        return
    wanted = {f"scaled-meeting-{copy}-{n}" for copy in range(2, scale + 1) for n in range(40)}
    existing = set(Event.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    new_events = []
    for slug in sorted(wanted - existing):
        _, copy, n = slug.rsplit("-", 2)
        day = _weekday(today + datetime.timedelta(days=(int(n) * 7 + int(copy)) % 365 - 30))
        new_events.append(
            Event(
                slug=slug,
                title=f"Community of practice meeting {copy}.{n}",
                summary="Practitioners share work in progress.",
                format=[F.IN_PERSON, F.ONLINE, F.HYBRID][int(n) % 3],
                venue=venues[int(n) % len(venues)],
                starts_at=_at(day, 10),
                ends_at=_at(day, 12),
                capacity=50,
                status=Event.Status.PUBLISHED,
            )
        )
    with transaction.atomic():
        created = Event.objects.bulk_create(new_events)
        TicketType.objects.bulk_create(
            TicketType(event=e, name="Place", price_net=Decimal("25.00") if i % 2 else 0)
            for i, e in enumerate(created)
        )
