"""Check-in devices for one event: staff issue a token to a phone or kiosk, and revoke it.

A token is shown once, straight after it is issued, with a link (and its QR
code) that sets the device up: /events/<slug>/checkin/?device=<token>.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.qr import qr_code
from events.models import CheckInDevice, Event
from events.selectors import checkin_devices_active, staff_event_get
from events.services.checkin_devices import checkin_device_issue, checkin_device_revoke
from events.views.staff import CHANGE, staff_required

# The session holds a newly issued token until the next page shows it, once.
ISSUED_SESSION_KEY = "checkin_device_issued"


class DeviceForm(forms.Form):
    """A new device's label: validation of input shape only."""

    label = forms.CharField(
        label="Device name",
        max_length=100,
        help_text="Which door, desk or phone it is, for example “Main entrance” or “Gwen’s phone”",
        error_messages={
            "required": "Enter a name for the device",
            "max_length": "Device name must be 100 characters or fewer",
        },
    )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError("Enter a name for the device", code="required")
        return label


def desk_url(request, event: Event, token: str) -> str:
    """Return the absolute address that sets a device up at the event's check-in desk."""
    try:
        path = reverse("events:checkin_desk", args=[event.slug])
    except NoReverseMatch:
        path = f"{event.get_absolute_url()}checkin/"
    return request.build_absolute_uri(f"{path}?{urlencode({'device': token})}")


def _qr_data_uri(url: str) -> str:
    """Return the setup link as a QR code (an SVG data URI) for a phone's camera."""
    return qr_code(url).svg_data_uri(scale=4, border=4)


def _issued(request, event: Event) -> dict | None:
    """Take the device issued just now out of the session, so it is shown only once."""
    issued = request.session.pop(ISSUED_SESSION_KEY, None)
    if not issued or issued.get("event") != event.pk:
        return None
    device = CheckInDevice.objects.filter(pk=issued["pk"], revoked_at__isnull=True).first()
    if device is None:
        return None
    url = desk_url(request, event, device.token)
    return {"device": device, "url": url, "qr": _qr_data_uri(url)}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CHANGE)
def staff_devices(request, slug):
    event = staff_event_get(slug=slug)
    form = DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = checkin_device_issue(
            event=event, label=form.cleaned_data["label"], issued_by=request.user
        )
        request.session[ISSUED_SESSION_KEY] = {"event": event.pk, "pk": device.pk}
        return redirect("events:staff_devices", slug=event.slug)
    issued = _issued(request, event) if request.method != "POST" else None
    return render(
        request,
        "events/staff/devices.html",
        {
            "event": event,
            "form": form,
            "issued": issued,
            "devices": list(checkin_devices_active(event=event)),
        },
    )


@require_POST
@staff_required(CHANGE)
def staff_device_revoke(request, slug, pk):
    event = staff_event_get(slug=slug)
    device = get_object_or_404(CheckInDevice, pk=pk, event=event)
    checkin_device_revoke(device=device)
    messages.success(request, f"“{device.label}” can no longer check people in.")
    return redirect("events:staff_devices", slug=event.slug)
