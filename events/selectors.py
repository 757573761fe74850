"""Reads about events that pages, the API, feeds and tasks share."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    CharField,
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
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from accounts.models import CalendarFeedToken
from accounts.selectors import user_is_member
from events.models import (
    CheckIn,
    CheckInDevice,
    Event,
    Registration,
    RetiredTicketSecret,
    Session,
    TicketType,
    WaitingListEntry,
)
from payments.models import Order

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


def outstanding_offers_q(*, now: datetime.datetime) -> Q:
    """Waiting-list offers that still hold a place for the person offered it."""
    return Q(state=WaitingListEntry.State.OFFERED, offer_expires_at__gt=now)


def _count_offers(*, now):
    counted = (
        WaitingListEntry.objects.filter(outstanding_offers_q(now=now), event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_places_taken(queryset: QuerySet[Event], *, now) -> QuerySet[Event]:
    """Annotate `places_taken`: held registrations plus outstanding waiting-list offers."""
    return queryset.annotate(
        places_taken=_count_held(now=now, outer_field="event") + _count_offers(now=now)
    )


def places_taken(
    *, event: Event, now=None, excluding_offer: WaitingListEntry | None = None
) -> int:
    """Count the event's places taken, as the booking service checks them under its lock.

    `excluding_offer` leaves out the offer being turned into a booking.
    """
    now = now or timezone.now()
    held = Registration.objects.filter(held_places_q(now=now), event=event).count()
    offers = WaitingListEntry.objects.filter(outstanding_offers_q(now=now), event=event)
    if excluding_offer is not None:
        offers = offers.exclude(pk=excluding_offer.pk)
    return held + offers.count()


def ticket_type_places_taken(*, ticket_type: TicketType, now=None) -> int:
    now = now or timezone.now()
    return Registration.objects.filter(held_places_q(now=now), ticket_type=ticket_type).count()


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


# --- My bookings ------------------------------------------------------------------


def _delegate_q(user) -> Q:
    # Only verified addresses count: anyone can add an address to an account,
    # but only its owner can verify it.
    verified = EmailAddress.objects.filter(
        user=user, verified=True, email__iexact=OuterRef("email")
    )
    return Q(delegate=user) | Q(Exists(verified))


def places_visible_to(*, user) -> QuerySet[Registration]:
    """Return the places a person may see and change on their "My bookings" pages.

    The one rule every such page uses: a booker sees every place of their
    orders; a delegate sees their own place, whether it is linked to their
    account or was booked for one of their verified email addresses. Anyone
    else sees nothing.
    """
    if user is None or not user.is_authenticated:
        return Registration.objects.none()
    return Registration.objects.filter(Q(order__booker=user) | _delegate_q(user))


@dataclass(frozen=True)
class Booking:
    """One order's places at one event, as the booker or a delegate sees them."""

    order: Order
    event: Event
    places: list[Registration]


@dataclass(frozen=True)
class MyBookings:
    upcoming: list[Booking]
    past: list[Booking]


def my_bookings(*, user, now=None) -> MyBookings:
    """Return the person's visible places grouped by booking.

    Upcoming bookings (an event is upcoming until it ends) soonest first, past
    ones latest first.
    """
    now = now or timezone.now()
    places = (
        places_visible_to(user=user)
        .select_related("event", "ticket_type", "order")
        .order_by("event__starts_at", "order_id", "last_name", "first_name", "pk")
    )
    groups: dict[tuple[int, int], Booking] = {}
    for place in places:
        key = (place.order_id, place.event_id)
        if key not in groups:
            groups[key] = Booking(order=place.order, event=place.event, places=[])
        groups[key].places.append(place)
    upcoming = [b for b in groups.values() if b.event.ends_at >= now]
    past = [b for b in groups.values() if b.event.ends_at < now]
    past.reverse()
    return MyBookings(upcoming=upcoming, past=past)


def place_get_for_user(*, user, pk: int) -> Registration:
    """Return one place the person may see, with its event, venue, ticket and order.

    Raise Http404 for anyone else's place, as for one that does not exist.
    """
    try:
        return (
            places_visible_to(user=user)
            .select_related("event__venue", "ticket_type", "order")
            .get(pk=pk)
        )
    except Registration.DoesNotExist:
        raise Http404("No such place") from None


def personal_feed_places(*, user) -> QuerySet[Registration]:
    """Return the confirmed places the person holds as a delegate, for their calendar feed.

    Places a booker holds for colleagues are left out: the feed is where the
    person is going. Cancelled events stay, so calendars show the
    cancellation instead of silently dropping the entry.
    """
    if user is None or not user.is_authenticated:
        return Registration.objects.none()
    return (
        Registration.objects.filter(
            _delegate_q(user),
            state=Registration.State.CONFIRMED,
            event__status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED],
        )
        .annotate(
            transfer_count=Count(
                "retired_secrets",
                filter=Q(retired_secrets__reason=RetiredTicketSecret.Reason.TRANSFERRED),
            )
        )
        .select_related("event__venue")
        .order_by("event__starts_at", "pk")
    )


def calendar_token_for(*, user) -> CalendarFeedToken | None:
    """Return the person's private calendar feed token, or None if they have not made one."""
    return CalendarFeedToken.objects.filter(user=user).first()


def calendar_feed_owner(*, token: str):
    """Return the active user whose private calendar feed has this token, or None."""
    found = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    return found.user if found else None


# --- Staff -----------------------------------------------------------------------


def staff_event_get(*, slug: str, now=None) -> Event:
    """Return any event by slug for the staff desk, drafts included, with `places_taken`."""
    now = now or timezone.now()
    try:
        return with_places_taken(Event.objects.select_related("venue"), now=now).get(slug=slug)
    except Event.DoesNotExist:
        raise Http404("No such event") from None


def staff_event_list(*, now=None) -> QuerySet[Event]:
    """Return events that have not ended, drafts included, soonest first, with their counts."""
    now = now or timezone.now()
    waiting = (
        WaitingListEntry.objects.filter(event=OuterRef("pk"), state=WaitingListEntry.State.WAITING)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        with_places_taken(Event.objects.filter(ends_at__gte=now), now=now)
        .annotate(waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)))
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class StaffCounts:
    capacity: int
    places_taken: int
    confirmed: int
    pending: int
    cancelled: int
    waiting: int
    offered: int


def staff_event_counts(*, event: Event) -> StaffCounts:
    """Count the event's places by state and its waiting list; needs `places_taken` annotated."""
    State = Registration.State
    places = Registration.objects.filter(event=event).aggregate(
        confirmed=Count("pk", filter=Q(state=State.CONFIRMED)),
        pending=Count("pk", filter=Q(state=State.PENDING)),
        cancelled=Count("pk", filter=Q(state=State.CANCELLED)),
    )
    line = WaitingListEntry.objects.filter(event=event).aggregate(
        waiting=Count("pk", filter=Q(state=WaitingListEntry.State.WAITING)),
        offered=Count("pk", filter=Q(state=WaitingListEntry.State.OFFERED)),
    )
    return StaffCounts(capacity=event.capacity, places_taken=event.places_taken, **places, **line)


def staff_registrations(
    *,
    event: Event,
    state: str = "",
    ticket_type_id: int | None = None,
    search: str = "",
    needs: list[str] | tuple[str, ...] = (),
) -> QuerySet[Registration]:
    """Return the event's places for the attendee list and its CSV, filtered, by surname.

    `search` matches every word against name, email, organisation and booking
    reference. `needs` holds "dietary" and/or "access": places with any of them.
    Ticket type and order are joined, so the rows cost one query however many.
    """
    qs = Registration.objects.filter(event=event).select_related("ticket_type", "order")
    if state:
        qs = qs.filter(state=state)
    if ticket_type_id:
        qs = qs.filter(ticket_type_id=ticket_type_id)
    for word in search.split():
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(organisation__icontains=word)
            | Q(order__reference__iexact=word)
        )
    wanted = Q()
    if "dietary" in needs:
        wanted |= ~Q(dietary="")
    if "access" in needs:
        wanted |= ~Q(access_needs="")
    if wanted:
        qs = qs.filter(wanted)
    return qs.order_by("last_name", "first_name", "pk")


def staff_message_recipients(*, event: Event) -> list[Registration]:
    """Return one confirmed place per email address: who an "email all delegates" reaches."""
    seen: dict[str, Registration] = {}
    places = Registration.objects.filter(event=event, state=Registration.State.CONFIRMED)
    for registration in places.order_by("email", "pk"):
        seen.setdefault(registration.email.lower(), registration)
    return list(seen.values())


def staff_waiting_list_entries(
    *, event: Event
) -> tuple[list[WaitingListEntry], list[WaitingListEntry]]:
    """Return the live waiting list (open offers first, then the line in order) and the rest."""
    entries = list(event.waiting_list.order_by("position", "created_at", "pk"))
    State = WaitingListEntry.State
    offered = sorted(
        (e for e in entries if e.state == State.OFFERED),
        key=lambda e: (e.offered_at or e.created_at, e.pk),
    )
    waiting = [e for e in entries if e.state == State.WAITING]
    for number, entry in enumerate(waiting, start=1):
        entry.line_number = number
    done = sorted(
        (e for e in entries if e.state not in (State.WAITING, State.OFFERED)),
        key=lambda e: e.updated_at,
        reverse=True,
    )
    return offered + waiting, done


def staff_waiting_line_number(*, entry: WaitingListEntry) -> int | None:
    """Return where a waiting entry stands in the line (1 is next), or None if not waiting."""
    line = list(
        WaitingListEntry.objects.filter(
            event_id=entry.event_id, state=WaitingListEntry.State.WAITING
        )
        .order_by("position", "created_at", "pk")
        .values_list("pk", flat=True)
    )
    return line.index(entry.pk) + 1 if entry.pk in line else None


# --- Check-in ----------------------------------------------------------------------


def ticket_secret_hash(secret: str) -> str:
    """Return a ticket secret's SHA-256 as lower-case hex, as the desk keeps it offline.

    The desk hashes what it scans the same way (UTF-8 bytes, hex digest) and
    compares; a list of places never carries the secrets themselves.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def checkin_device_for_token(*, token: str) -> CheckInDevice | None:
    """Return the device that holds this token, with its event, unless it was revoked."""
    if not token:
        return None
    return (
        CheckInDevice.objects.select_related("event")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )


def checkin_event_get(*, slug: str) -> Event:
    """Return any event by slug for the door, drafts included; raise Http404 if there is none."""
    try:
        return Event.objects.get(slug=slug)
    except Event.DoesNotExist:
        raise Http404("No such event") from None


def checkin_place_secret(*, event: Event, place_id: int) -> str | None:
    """Return the ticket secret of one of the event's places, or None if it has no such place.

    The desk checks in a delegate found by search with their place's id; the
    scan then goes through `checkin_scan` with the secret, as a camera's would.
    """
    return (
        Registration.objects.filter(event=event, pk=place_id)
        .values_list("ticket_secret", flat=True)
        .first()
    )


def checkin_get(*, pk: int, event: Event | None = None) -> CheckIn:
    """Return a scan, within `event` when given; raise Http404 if there is none."""
    scans = CheckIn.objects.select_related("event", "registration__ticket_type")
    if event is not None:
        scans = scans.filter(event=event)
    try:
        return scans.get(pk=pk)
    except CheckIn.DoesNotExist:
        raise Http404("No such scan") from None


def checkin_devices_active(*, event: Event) -> QuerySet[CheckInDevice]:
    """Return the event's devices that may still check people in, by label."""
    return (
        CheckInDevice.objects.filter(event=event, revoked_at__isnull=True)
        .select_related("issued_by")
        .order_by("label", "pk")
    )


class CheckInState:
    """Where a place stands at the door, from its scans that were not undone."""

    IN = "in"
    OUT = "out"
    NEVER = "never"

    choices = [(IN, "In"), (OUT, "Left"), (NEVER, "Not checked in")]


def _live_scans(**filters) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(
        registration=OuterRef("pk"), undone_at__isnull=True, **filters
    ).order_by("-scanned_at", "-pk")


def with_checkin_state(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotate each place with where it stands at the door.

    `checkin_state` is "in" (the last scan was an entry), "out" (an exit) or
    "never"; `last_scan_at` is the time of the last scan, `first_entry_at`
    when they first came in (None if they never did). Undone scans count for
    nothing.
    """
    last = _live_scans()
    first_entry = _live_scans(direction=CheckIn.Direction.ENTRY).order_by("scanned_at", "pk")
    return queryset.annotate(
        last_direction=Subquery(last.values("direction")[:1]),
        last_scan_at=Subquery(last.values("scanned_at")[:1]),
        first_entry_at=Subquery(first_entry.values("scanned_at")[:1]),
    ).annotate(
        checkin_state=Case(
            When(last_direction=CheckIn.Direction.ENTRY, then=Value(CheckInState.IN)),
            When(last_direction=CheckIn.Direction.EXIT, then=Value(CheckInState.OUT)),
            default=Value(CheckInState.NEVER),
            output_field=CharField(),
        )
    )


def checkin_attendees(*, event: Event, search: str = "") -> QuerySet[Registration]:
    """Return the event's places for the desk's search, every state, with `with_checkin_state`.

    `search` matches every word against name, email, organisation and booking
    reference, as the attendee list does. By surname; ticket type and order
    joined.
    """
    return with_checkin_state(staff_registrations(event=event, search=search))


def checkin_offline_places(*, event: Event) -> QuerySet[Registration]:
    """Return every place of the event, in any state, for the desk to keep offline.

    With `with_checkin_state`, ticket type and order joined, by surname.
    """
    return with_checkin_state(
        Registration.objects.filter(event=event).select_related("ticket_type", "order")
    ).order_by("last_name", "first_name", "pk")


def checkin_retired_secrets(*, event: Event) -> QuerySet[RetiredTicketSecret]:
    """Return the secrets that no longer admit anyone to the event (transferred tickets)."""
    return RetiredTicketSecret.objects.filter(registration__event=event).order_by("pk")


@dataclass(frozen=True)
class CheckInCounts:
    # `inside`: places whose last scan was an entry; `expected`: confirmed places;
    # `checked_in_ever`: places that came in at least once.
    inside: int
    expected: int
    checked_in_ever: int


def checkin_counts(*, event: Event) -> CheckInCounts:
    """Count who is in, who is expected and who has come, in one query."""
    counts = with_checkin_state(Registration.objects.filter(event=event)).aggregate(
        inside=Count("pk", filter=Q(last_direction=CheckIn.Direction.ENTRY)),
        expected=Count("pk", filter=Q(state=Registration.State.CONFIRMED)),
        checked_in_ever=Count("pk", filter=Q(first_entry_at__isnull=False)),
    )
    return CheckInCounts(**counts)


def attendance_places(*, event: Event) -> QuerySet[Registration]:
    """Return the event's confirmed places with `with_checkin_state`, by surname.

    Only confirmed places were expected: cancelled and unpaid ones are left
    out of the attendance report and its CSV.
    """
    return (
        with_checkin_state(
            Registration.objects.filter(event=event, state=Registration.State.CONFIRMED)
        )
        .select_related("ticket_type", "order")
        .order_by("last_name", "first_name", "pk")
    )


@dataclass(frozen=True)
class AttendanceLine:
    """One line of the attendance report: a ticket type, an organisation or the total."""

    name: str
    booked: int
    came: int

    @property
    def did_not_come(self) -> int:
        return self.booked - self.came

    @property
    def rate(self) -> int | None:
        """Return the share of places that came as a whole percentage, half up."""
        if not self.booked:
            return None
        return (self.came * 200 + self.booked) // (self.booked * 2)


@dataclass(frozen=True)
class AttendanceReport:
    total: AttendanceLine
    by_ticket_type: list[AttendanceLine]
    by_organisation: list[AttendanceLine]
    came: list[Registration]
    did_not_come: list[Registration]


NO_ORGANISATION = "No organisation given"


def attendance_report(*, event: Event) -> AttendanceReport:
    """Say who came and who did not, in all, per ticket type and per organisation.

    A place came if it has an entry scan that was not undone. Organisations
    are grouped ignoring case and surrounding spaces, named as first seen, in
    alphabetical order with places that gave none last; ticket types in the
    event's order, those with no confirmed places left out.
    """
    places = list(attendance_places(event=event))
    came = [p for p in places if p.first_entry_at is not None]
    did_not_come = [p for p in places if p.first_entry_at is None]

    def lines(key, label) -> dict:
        grouped: dict = {}
        for place in places:
            name, booked, arrived = grouped.get(key(place), (label(place), 0, 0))
            grouped[key(place)] = (name, booked + 1, arrived + (place.first_entry_at is not None))
        return grouped

    tickets = lines(
        lambda p: (p.ticket_type.position, p.ticket_type.price_net, p.ticket_type_id),
        lambda p: p.ticket_type.name,
    )
    organisations = lines(
        lambda p: (not p.organisation.strip(), p.organisation.strip().casefold()),
        lambda p: p.organisation.strip() or NO_ORGANISATION,
    )
    return AttendanceReport(
        total=AttendanceLine("All places", len(places), len(came)),
        by_ticket_type=[AttendanceLine(*tickets[k]) for k in sorted(tickets)],
        by_organisation=[AttendanceLine(*organisations[k]) for k in sorted(organisations)],
        came=came,
        did_not_come=did_not_come,
    )
