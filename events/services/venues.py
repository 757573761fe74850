"""Every write to events and their parts."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import Event, Venue

VENUE_PLACE_FIELDS = ("name", "address", "postcode")


@transaction.atomic
def venue_moved(*, venue: Venue) -> int:
    """Move the venue's upcoming events in people's calendars after its address changed.

    Raise each event's SEQUENCE (and its modification time, which the feed's
    ETag follows). Return how many events moved.
    """
    return Event.objects.filter(venue=venue, ends_at__gte=timezone.now()).update(
        sequence=F("sequence") + 1, updated_at=timezone.now()
    )
