"""Who may use the check-in API: event staff, or a device token for that event.

A device (a phone or a kiosk at one event's door) sends
`Authorization: Device <token>`. It is not a person: it signs in as an
anonymous principal that carries the device, with `request.auth` the
CheckInDevice, so it has no permissions of its own and can use only the
check-in API of its own event. A revoked or unknown token is refused (401).
"""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from events.models import CheckInDevice
from events.selectors import checkin_device_for_token

# Staff must be allowed to change places to check delegates in.
STAFF_PERMISSION = "events.change_registration"


class DevicePrincipal(AnonymousUser):
    """The `request.user` of a device: anonymous to every permission, with its device."""

    def __init__(self, device: CheckInDevice):
        super().__init__()
        self.device = device

    def __str__(self):
        return f"Check-in device “{self.device.label}”"


class DeviceAuthentication(BaseAuthentication):
    """Authenticate `Authorization: Device <token>` as the device that holds the token."""

    keyword = "Device"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the device token as `Authorization: Device <token>`."
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That device token is not valid.") from None
        device = checkin_device_for_token(token=token)
        if device is None:
            raise exceptions.AuthenticationFailed(
                "That device token is not valid or has been revoked. "
                "Ask event staff for a new one."
            )
        return DevicePrincipal(device), device

    def authenticate_header(self, request) -> str:
        return self.keyword


def request_device(request) -> CheckInDevice | None:
    """Return the device a request authenticated as, or None for a person."""
    return request.auth if isinstance(request.auth, CheckInDevice) else None


class CanCheckIn(BasePermission):
    """Allow staff who may change places, or a device token of the event in the URL.

    A device asking about another event is refused (403). Views without an
    event in the URL must find their objects within `request_device(request)`'s
    event.
    """

    message = "Only event staff, or a check-in device for this event, can do that."

    def has_permission(self, request, view) -> bool:
        device = request_device(request)
        if device is None:
            return request.user.has_perm(STAFF_PERMISSION)
        slug = view.kwargs.get("slug")
        if slug is not None and slug != device.event.slug:
            raise exceptions.PermissionDenied(
                f"This device is set up for {device.event.title}, not for this event."
            )
        return True


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = DeviceAuthentication
    name = "deviceAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A check-in device token that event staff issue for one event: "
                "`Authorization: Device <token>`. It works for that event's check-in "
                "endpoints only, until staff revoke it."
            ),
        }
