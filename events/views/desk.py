"""The check-in desk for one event: a page for phones and laptops at the door.

The page is a shell: scanning, search, the offline list and the queue of
scans all go through the check-in API (events/api_checkin.py) from
static/js/checkin-desk.js. Staff sign in, or a door device opens the link
with `?device=<token>` that staff issued it.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.security import SCANNER_CONTENT_SECURITY_POLICY
from events.models import CheckInDevice, Event
from events.selectors import checkin_device_for_token, staff_event_get

CHANGE = "events.change_registration"


# In a URL the page's script fills in, this number stands for a place's or a scan's id.
ID_SLOT = 987654321


def _device(request, event: Event) -> tuple[CheckInDevice | None, bool]:
    """Return the door device the request speaks for, and whether to refuse it.

    A token comes in `?device=`, once; the session keeps it, so that the page
    can be reloaded after the script has taken the token out of the address.
    Every request checks it again, so a revoked token stops working at once.
    A token that does not work is refused, unless a signed-in person carries
    it in their session only: they are then judged as themselves.
    """
    key = f"checkin_device:{event.pk}"
    offered = request.GET.get("device", "")
    token = offered or request.session.get(key, "")
    if not token:
        return None, False
    device = checkin_device_for_token(token=token)
    if device is not None and device.event_id == event.pk:
        if offered:
            request.session[key] = token
        return device, False
    request.session.pop(key, None)
    return None, bool(offered) or not request.user.is_authenticated


def _badge_url_template() -> str:
    try:
        url = reverse("badges:badge_pdf", args=[ID_SLOT])
    except NoReverseMatch:
        url = f"/badges/places/{ID_SLOT}.pdf"
    return f"{url}?layout=a6"


def _api_urls(event: Event) -> dict[str, str]:
    return {
        "checkin": reverse("api-checkin-create", args=[event.slug]),
        "summary": reverse("api-checkin-summary", args=[event.slug]),
        "search": reverse("api-checkin-attendees", args=[event.slug]),
        "offline": reverse("api-checkin-offline", args=[event.slug]),
        "undo": reverse("api-checkin-undo", args=[ID_SLOT]),
    }


@never_cache
@require_safe
def checkin_desk(request, slug):
    event = staff_event_get(slug=slug)
    device, refused = _device(request, event)
    if refused:
        response = render(request, "events/staff/desk.html", {"event": event, "refused": True})
        response.status_code = 403
        return response
    if device is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(CHANGE):
            raise PermissionDenied
    response = render(
        request,
        "events/staff/desk.html",
        {
            "event": event,
            "device": device,
            "api": _api_urls(event),
            "badge_url": _badge_url_template(),
            "id_slot": ID_SLOT,
            # A door device has no account that may open badge PDFs.
            "can_print_badges": device is None,
        },
    )
    response["Content-Security-Policy"] = SCANNER_CONTENT_SECURITY_POLICY
    return response
