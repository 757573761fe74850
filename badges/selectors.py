"""Reads for badges: which places a batch prints, and the batches of an event."""

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from badges.models import BadgeBatch
from events.models import Event, Registration


def badge_places(
    *,
    event: Event,
    ticket_type_id: int | None = None,
    not_printed: bool = False,
    booked_since: datetime.datetime | None = None,
    sort_by: str = BadgeBatch.SortBy.SURNAME,
) -> QuerySet[Registration]:
    """Return the event's confirmed places whose badges a batch with these filters prints.

    Only confirmed places get a badge: a pending card order's places are not
    admitted, and an unpaid invoice's confirmed places are. Sorted by surname
    (ignoring case), or by organisation then surname with places without an
    organisation last.
    """
    places = Registration.objects.filter(
        event=event, state=Registration.State.CONFIRMED
    ).select_related("ticket_type")
    if ticket_type_id:
        places = places.filter(ticket_type_id=ticket_type_id)
    if not_printed:
        places = places.filter(badge_printed_at__isnull=True)
    if booked_since:
        places = places.filter(created_at__gte=booked_since)
    by_name = [Lower("last_name"), Lower("first_name"), "pk"]
    if sort_by == BadgeBatch.SortBy.ORGANISATION:
        no_organisation = Case(
            When(organisation="", then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        return places.order_by(no_organisation, Lower("organisation"), *by_name)
    return places.order_by(*by_name)


def batch_places(*, batch: BadgeBatch) -> QuerySet[Registration]:
    """Return the places a batch prints, as its filters select them now."""
    return badge_places(
        event=batch.event,
        ticket_type_id=batch.ticket_type_id,
        not_printed=batch.not_printed,
        booked_since=batch.booked_since,
        sort_by=batch.sort_by,
    )


def event_batches(*, event: Event) -> QuerySet[BadgeBatch]:
    """Return an event's badge batches, newest first."""
    return BadgeBatch.objects.filter(event=event).select_related("ticket_type", "created_by")


def batch_get(*, event: Event, pk: int) -> BadgeBatch:
    """Return one of the event's batches; raise Http404 for any other."""
    return get_object_or_404(
        BadgeBatch.objects.select_related("event", "ticket_type", "created_by"),
        event=event,
        pk=pk,
    )


def badge_place_get(*, pk: int) -> Registration:
    """Return a confirmed place for a badge on demand; raise Http404 for any other."""
    return get_object_or_404(
        Registration.objects.select_related("event", "ticket_type"),
        pk=pk,
        state=Registration.State.CONFIRMED,
    )
