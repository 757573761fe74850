"""Check-in at the door: one row per scan, decided under the place's row lock."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from events.exceptions import ChangeNotAllowed
from events.models import CheckIn, Event, Registration, RetiredTicketSecret

UNDO_WINDOW = datetime.timedelta(minutes=1)


class Result:
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_CHECKED_IN = "not_checked_in"
    UNKNOWN = "unknown"
    INVALID = "invalid"


class Reason:
    CANCELLED = "cancelled"
    UNPAID = "unpaid"
    WRONG_EVENT = "wrong_event"
    TRANSFERRED = "transferred"


@dataclass(frozen=True)
class ScanResult:
    result: str
    reason: str = ""
    registration: Registration | None = None
    checkin: CheckIn | None = None
    # For "already checked in": the scan that let them in.
    previous: CheckIn | None = None


def last_scan(registration: Registration) -> CheckIn | None:
    """Return the place's latest scan that was not undone."""
    return (
        registration.checkins.filter(undone_at__isnull=True)
        .select_related("by")
        .order_by("-scanned_at", "-pk")
        .first()
    )


def _judge(registration: Registration, *, event: Event) -> str:
    if registration.event_id != event.pk:
        return Reason.WRONG_EVENT
    if registration.state == Registration.State.CANCELLED:
        return Reason.CANCELLED
    # Confirmed places are admitted, invoice ones unpaid included; a pending
    # place is a card order that has not been paid.
    if registration.state != Registration.State.CONFIRMED:
        return Reason.UNPAID
    return ""


@transaction.atomic(durable=True)
def checkin_scan(
    *,
    event: Event,
    secret: str,
    nonce: str,
    direction: str = CheckIn.Direction.ENTRY,
    by=None,
    device: str = "",
    now: datetime.datetime | None = None,
) -> ScanResult:
    """Record one scan of a ticket at the event's door.

    Lock the place's row, so that two devices scanning the same ticket at
    once give one entry and one "already checked in". A nonce seen before at
    this event is the same scan sent again (a device syncing after a dropped
    connection): its first answer is given again and nothing is written.
    """
    now = now or timezone.now()
    registration = Registration.objects.filter(ticket_secret=secret).first()
    if registration is None:
        retired = (
            RetiredTicketSecret.objects.select_related("registration")
            .filter(secret=secret)
            .first()
        )
        if retired is None:
            return ScanResult(Result.UNKNOWN)
        return ScanResult(Result.INVALID, Reason.TRANSFERRED, retired.registration)

    reason = _judge(registration, event=event)
    if reason:
        return ScanResult(Result.INVALID, reason, registration)

    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if replay := CheckIn.objects.filter(event=event, nonce=nonce).first():
        if replay.registration_id != registration.pk:
            raise DomainError(
                "That scan id was already used for another ticket: scan again.",
                code="nonce_reused",
            )
        return ScanResult(Result.OK, registration=registration, checkin=replay)

    previous = last_scan(registration)
    inside = previous is not None and previous.direction == CheckIn.Direction.ENTRY
    if direction == CheckIn.Direction.ENTRY and inside:
        return ScanResult(Result.ALREADY_CHECKED_IN, registration=registration, previous=previous)
    if direction == CheckIn.Direction.EXIT and not inside:
        return ScanResult(Result.NOT_CHECKED_IN, registration=registration, previous=previous)

    checkin = CheckIn.objects.create(
        event=event,
        registration=registration,
        direction=direction,
        scanned_at=now,
        by=by,
        device=device[:100],
        nonce=nonce,
    )
    return ScanResult(Result.OK, registration=registration, checkin=checkin)


@transaction.atomic(durable=True)
def checkin_undo(*, checkin: CheckIn, now: datetime.datetime | None = None) -> CheckIn:
    """Take back a scan made by mistake, within a minute of it.

    Raise ChangeNotAllowed later than that, or if it was undone already.
    """
    now = now or timezone.now()
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if checkin.undone_at is not None:
        raise ChangeNotAllowed("That scan has already been undone.")
    if now - checkin.scanned_at > UNDO_WINDOW:
        raise ChangeNotAllowed("A scan can only be undone within a minute.")
    checkin.undone_at = now
    checkin.save(update_fields=["undone_at"])
    return checkin
