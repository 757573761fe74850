"""Reads about events that pages, the API, feeds and tasks share."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from accounts.selectors import user_is_member
from events.models import Event, Registration, Session, TicketType

# At or below this share of capacity left, an event shows "Few places left".
FEW_PLACES_SHARE = Decimal("0.10")
FEW_PLACES_MINIMUM = 5


def held_places_q(*, now: datetime.datetime, prefix: str = "") -> Q:
    """Registrations that hold a place: confirmed, or pending in an order not yet expired.

    The one definition of "places taken"; the booking service counts with it
    under the event's row lock.
    """
    p = prefix
    return Q(**{f"{p}state": Registration.State.CONFIRMED}) | (
        Q(**{f"{p}state": Registration.State.PENDING})
        & (Q(**{f"{p}order__expires_at__isnull": True}) | Q(**{f"{p}order__expires_at__gt": now}))
    )


def _count_held(*, now, outer_field: str):
    counted = (
        Registration.objects.filter(held_places_q(now=now), **{outer_field: OuterRef("pk")})
        .order_by()
        .values(outer_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_places_taken(queryset: QuerySet[Event], *, now) -> QuerySet[Event]:
    return queryset.annotate(places_taken=_count_held(now=now, outer_field="event"))


def places_taken(*, event: Event, now=None) -> int:
    return Registration.objects.filter(
        held_places_q(now=now or timezone.now()), event=event
    ).count()


def _public_ticket_types():
    return TicketType.objects.filter(hidden=False)


def event_list_upcoming(
    *,
    now=None,
    month: datetime.date | None = None,
    formats: list[str] | None = None,
    price: str | None = None,
    search: str = "",
) -> QuerySet[Event]:
    """Published and cancelled events that have not ended, soonest first.

    `month` is the first day of a month; `price` is "free" or "paid".
    """
    now = now or timezone.now()
    qs = Event.objects.filter(
        status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED], ends_at__gte=now
    )
    if month is not None:
        start = timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
        next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        end = timezone.make_aware(datetime.datetime.combine(next_month, datetime.time.min))
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    if formats:
        qs = qs.filter(format__in=formats)
    paid = Exists(_public_ticket_types().filter(event=OuterRef("pk"), price_net__gt=0))
    if price == "free":
        qs = qs.filter(~paid)
    elif price == "paid":
        qs = qs.filter(paid)
    if search:
        qs = qs.filter(
            Q(title__icontains=search)
            | Q(summary__icontains=search)
            | Q(venue__name__icontains=search)
            | Q(venue__address__icontains=search)
        )
    return _for_listing(qs, now=now).order_by("starts_at", "pk")


def event_list_past(*, now=None, search: str = "") -> QuerySet[Event]:
    now = now or timezone.now()
    qs = Event.objects.filter(
        status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED], ends_at__lt=now
    )
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    return _for_listing(qs, now=now).order_by("-starts_at", "-pk")


def _for_listing(qs: QuerySet[Event], *, now) -> QuerySet[Event]:
    public = _public_ticket_types().filter(event=OuterRef("pk")).order_by()
    return with_places_taken(qs.select_related("venue"), now=now).annotate(
        lowest_price_net=Subquery(public.order_by("price_net").values("price_net")[:1]),
        highest_price_net=Subquery(public.order_by("-price_net").values("price_net")[:1]),
    )


def event_get_for_page(*, slug: str, user, now=None) -> Event:
    """Return the event for its public page, with agenda and tickets loaded.

    Drafts are shown only to staff who may change events (for preview);
    everyone else gets 404, as for an unknown slug.
    """
    now = now or timezone.now()
    qs = with_places_taken(Event.objects.select_related("venue"), now=now).prefetch_related(
        Prefetch(
            "sessions",
            queryset=Session.objects.prefetch_related("speakers").order_by("starts_at", "room"),
        ),
        Prefetch(
            "ticket_types",
            queryset=TicketType.objects.annotate(
                places_taken=_count_held(now=now, outer_field="ticket_type")
            ).order_by("position", "price_net", "pk"),
        ),
    )
    try:
        event = qs.get(slug=slug)
    except Event.DoesNotExist:
        raise Http404("No such event") from None
    if event.status == Event.Status.DRAFT and not user.has_perm("events.change_event"):
        raise Http404("No such event")
    return event


@dataclass(frozen=True)
class Availability:
    """What a visitor can do about places at an event right now."""

    label: str
    # GOV.UK tag colour modifier: green, yellow, red, grey, blue.
    colour: str
    places_left: int
    registration_open: bool


def event_availability(*, event: Event, now=None) -> Availability:
    """Say whether places can be booked; needs `places_taken` annotated."""
    now = now or timezone.now()
    left = max(0, event.capacity - event.places_taken)
    if event.is_cancelled:
        return Availability("Cancelled", "red", left, False)
    if event.ends_at < now or now >= event.registration_closes:
        return Availability("Registration closed", "grey", left, False)
    if event.registration_opens_at and now < event.registration_opens_at:
        local = timezone.localtime(event.registration_opens_at)
        return Availability(
            f"Registration opens on {local:%-d %B %Y} at {local:%-I:%M%p}".replace(":00", "")
            .replace("AM", "am")
            .replace("PM", "pm"),
            "blue",
            left,
            False,
        )
    if left == 0:
        return Availability("Fully booked", "red", 0, False)
    few = max(FEW_PLACES_MINIMUM, int(event.capacity * FEW_PLACES_SHARE))
    if left <= few:
        return Availability("Few places left", "yellow", left, True)
    return Availability("Places available", "green", left, True)


@dataclass(frozen=True)
class TicketOffer:
    ticket_type: TicketType
    available: bool
    reason: str


def ticket_offers(
    *, event: Event, user, now=None, is_member: bool | None = None
) -> list[TicketOffer]:
    """Return the public ticket types this visitor should see, each with whether it is on sale.

    A signed-in member sees member and everyone prices, a signed-in non-member
    non-member and everyone prices; a visitor who has not signed in sees all.
    Pass `is_member` when it is already known (lists decide it once). Needs
    the event from `event_get_for_page` or `event_list_for_api`.
    """
    now = now or timezone.now()
    availability = event_availability(event=event, now=now)
    audiences = {
        TicketType.Audience.EVERYONE,
        TicketType.Audience.MEMBER,
        TicketType.Audience.NON_MEMBER,
    }
    if user.is_authenticated:
        member = user_is_member(user=user) if is_member is None else is_member
        audiences.discard(TicketType.Audience.NON_MEMBER if member else TicketType.Audience.MEMBER)
    offers = []
    for ticket_type in event.ticket_types.all():
        if ticket_type.hidden or ticket_type.audience not in audiences:
            continue
        reason = ""
        if not availability.registration_open:
            reason = availability.label
        elif ticket_type.on_sale_from and now < ticket_type.on_sale_from:
            reason = f"On sale from {timezone.localtime(ticket_type.on_sale_from):%-d %B %Y}"
        elif ticket_type.on_sale_until and now > ticket_type.on_sale_until:
            reason = "No longer on sale"
        elif ticket_type.capacity is not None and ticket_type.places_taken >= ticket_type.capacity:
            reason = "Sold out"
        offers.append(TicketOffer(ticket_type, not reason, reason))
    return offers


def sessions_by_day(*, event: Event) -> list[tuple[datetime.date, list[Session]]]:
    days: dict[datetime.date, list[Session]] = {}
    for session in event.sessions.all():
        days.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    return sorted(days.items())


def feed_events() -> QuerySet[Event]:
    """Events for the public calendar feed: everything ever published, cancellations included."""
    return (
        Event.objects.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
        .select_related("venue")
        .order_by("starts_at", "pk")
    )


def feed_fingerprint() -> tuple[str, datetime.datetime | None]:
    """Return an ETag and Last-Modified for the feed from one aggregate query.

    Any change to a feed event or its venue (which bumps updated_at), or an
    event leaving the feed (the count and sum of sequences change), gives a
    new ETag.
    """
    stats = feed_events().aggregate(
        count=Count("pk"),
        latest=Max(Greatest("updated_at", Coalesce("venue__updated_at", "updated_at"))),
        ids=Sum("pk"),
        sequences=Sum("sequence"),
    )
    raw = f"{stats['count']}:{stats['latest']}:{stats['ids']}:{stats['sequences']}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32], stats["latest"]


def home_section_context(request) -> dict | None:
    events = list(event_list_upcoming().exclude(status=Event.Status.CANCELLED)[:4])
    if not events:
        return None
    now = timezone.now()
    return {
        "events": [(event, event_availability(event=event, now=now)) for event in events],
    }


# --- The public API (events/api.py) ----------------------------------------------


def event_list_for_api(*, now=None, **filters) -> QuerySet[Event]:
    """Return upcoming published events for the API, with public ticket types prefetched.

    Take the filters of `event_list_upcoming`. Cancelled events are left out
    of the list (a client asking by slug still learns of the cancellation).
    Each ticket type carries `places_taken`, so that `ticket_offers` runs
    without a query per event.
    """
    now = now or timezone.now()
    ticket_types = (
        _public_ticket_types()
        .annotate(places_taken=_count_held(now=now, outer_field="ticket_type"))
        .order_by("position", "price_net", "pk")
    )
    return (
        event_list_upcoming(now=now, **filters)
        .filter(status=Event.Status.PUBLISHED)
        .prefetch_related(Prefetch("ticket_types", queryset=ticket_types))
    )


def event_get_for_api(*, slug: str, now=None) -> Event:
    """Return a published or cancelled event by slug; raise Http404 for a draft.

    The API has no preview, so a draft is 404 for everyone, staff included.
    """
    return event_get_for_page(slug=slug, user=AnonymousUser(), now=now)


def ticket_offers_for_events(*, events, user, now=None) -> dict[int, list[TicketOffer]]:
    """Return `ticket_offers` for each event by id, deciding membership only once."""
    now = now or timezone.now()
    is_member = user_is_member(user=user) if user.is_authenticated else None
    return {
        event.pk: ticket_offers(event=event, user=user, now=now, is_member=is_member)
        for event in events
    }
