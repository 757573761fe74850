"""The waiting list: join a full event, offer freed places in turn, expire offers."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.tasks import enqueue_on_commit
from events.exceptions import BookingError, NotOnWaitingList
from events.models import Event, WaitingListEntry
from events.selectors import places_taken


@transaction.atomic(durable=True)
def waiting_list_join(*, event: Event, email: str, name: str = "", user=None) -> WaitingListEntry:
    """Put someone at the end of the event's waiting list.

    Lock the event row so that positions are unique. Raise BookingError when
    the event is not full (book instead), or the address is already waiting.
    """
    now = timezone.now()
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED or event.ends_at <= now:
        raise BookingError("This event has no waiting list.")
    if places_taken(event=event, now=now) < event.capacity:
        raise BookingError("There are places left at this event: book one instead.")
    email = email.strip().lower()
    last = event.waiting_list.aggregate(last=Max("position"))["last"] or 0
    try:
        with transaction.atomic():
            return WaitingListEntry.objects.create(
                event=event, email=email, name=name.strip(), user=user, position=last + 1
            )
    except IntegrityError:
        raise BookingError("This email address is already on the waiting list.") from None


@transaction.atomic(durable=True)
def waiting_list_offer_places(*, event_id: int, now: datetime.datetime | None = None) -> int:
    """Offer each free place at the event to the next person waiting.

    Lock the event row, count what is free, and give that many people, in
    list order, an offer that holds a place for WAITING_LIST_OFFER_HOURS.
    Offers are emailed after commit. Return how many were offered.
    """
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event_id)
    if event.status != Event.Status.PUBLISHED or event.registration_closes <= now:
        return 0
    free = event.capacity - places_taken(event=event, now=now)
    if free <= 0:
        return 0
    waiting = list(
        event.waiting_list.filter(state=WaitingListEntry.State.WAITING).order_by(
            "position", "created_at", "pk"
        )[:free]
    )
    expires = min(
        now + datetime.timedelta(hours=settings.WAITING_LIST_OFFER_HOURS),
        event.registration_closes,
    )
    for entry in waiting:
        entry.state = WaitingListEntry.State.OFFERED
        entry.offered_at, entry.offer_expires_at = now, expires
        entry.save(update_fields=["state", "offered_at", "offer_expires_at", "updated_at"])
        enqueue_on_commit("events.tasks.send_waiting_list_offer", entry.pk)
    return len(waiting)


def waiting_list_expire_offers(*, now: datetime.datetime | None = None) -> int:
    """Expire offers nobody took up in time and pass their places on.

    Each event is its own transaction. Return how many offers expired.
    """
    now = now or timezone.now()
    event_ids = set(
        WaitingListEntry.objects.filter(
            state=WaitingListEntry.State.OFFERED, offer_expires_at__lte=now
        ).values_list("event_id", flat=True)
    )
    expired = 0
    for event_id in sorted(event_ids):
        with transaction.atomic():
            Event.objects.select_for_update().only("pk").get(pk=event_id)
            expired += WaitingListEntry.objects.filter(
                event_id=event_id,
                state=WaitingListEntry.State.OFFERED,
                offer_expires_at__lte=now,
            ).update(state=WaitingListEntry.State.EXPIRED, updated_at=now)
            enqueue_on_commit("events.tasks.offer_freed_places", event_id)
    return expired


@transaction.atomic(durable=True)
def waiting_list_move(*, entry: WaitingListEntry, to_position: int) -> WaitingListEntry:
    """Move a waiting entry to a place in the line (1 is first) and renumber the rest.

    Lock the event row, so that concurrent moves and joins keep positions whole.
    """
    Event.objects.select_for_update().only("pk").get(pk=entry.event_id)
    line = list(
        WaitingListEntry.objects.filter(
            event_id=entry.event_id, state=WaitingListEntry.State.WAITING
        ).order_by("position", "created_at", "pk")
    )
    moving = next((e for e in line if e.pk == entry.pk), None)
    if moving is None:
        raise NotOnWaitingList("Only people still waiting can be moved.")
    line.remove(moving)
    line.insert(max(0, min(len(line), to_position - 1)), moving)
    for position, item in enumerate(line, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position", "updated_at"])
    return moving


@transaction.atomic(durable=True)
def waiting_list_remove(*, entry: WaitingListEntry) -> WaitingListEntry:
    """Take someone off the waiting list; an outstanding offer passes on."""
    Event.objects.select_for_update().only("pk").get(pk=entry.event_id)
    entry = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
    was_offered = entry.state == WaitingListEntry.State.OFFERED
    entry.state = WaitingListEntry.State.REMOVED
    entry.save(update_fields=["state", "updated_at"])
    if was_offered:
        enqueue_on_commit("events.tasks.offer_freed_places", entry.event_id)
    return entry
