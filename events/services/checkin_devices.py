"""Check-in devices: per-event tokens that staff issue to a phone or kiosk, and revoke."""

import datetime

from django.db import transaction
from django.utils import timezone

from events.models import CheckInDevice, Event


@transaction.atomic(durable=True)
def checkin_device_issue(*, event: Event, label: str, issued_by) -> CheckInDevice:
    """Issue a new device token for the event's door, labelled so staff know which it is."""
    return CheckInDevice.objects.create(
        event=event, label=label.strip()[:100], issued_by=issued_by
    )


@transaction.atomic(durable=True)
def checkin_device_revoke(
    *, device: CheckInDevice, now: datetime.datetime | None = None
) -> CheckInDevice:
    """Stop a device token from working, at once. Revoking it again changes nothing.

    Lock the device's row, so that the first revocation's time is the one kept.
    """
    device = CheckInDevice.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is None:
        device.revoked_at = now or timezone.now()
        device.save(update_fields=["revoked_at", "updated_at"])
    return device
