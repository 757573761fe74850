"""iCalendar downloads: one event's .ics file and the public feed of all events."""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from events import ical
from events.models import Event
from events.selectors import event_get_for_page, feed_events, feed_fingerprint

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"

# Calendar clients poll the feed; a short shared cache absorbs bursts
# without delaying a change for long.
FEED_MAX_AGE = 300


@require_safe
def event_ics(request, slug):
    """Download one event as an .ics file; `?sessions=1` adds its agenda.

    Drafts are 404 to anyone who may not change events, as on the event page.
    """
    event = event_get_for_page(slug=slug, user=request.user)
    body = ical.event_calendar(event=event, include_sessions=request.GET.get("sessions") == "1")
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    if event.status == Event.Status.DRAFT:
        # A preview for staff must never land in a shared cache.
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def events_feed(request):
    """Serve the subscribable feed of published and cancelled events.

    Answer a matching If-None-Match or If-Modified-Since with 304 after the
    one fingerprint query, before loading any event or building the calendar.
    """
    etag, last_modified = feed_fingerprint()
    response = HttpResponse(content_type=CALENDAR_CONTENT_TYPE)
    response["ETag"] = f'"{etag}"'
    timestamp = int(last_modified.timestamp()) if last_modified else None
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
    # The 304 copies ETag, Last-Modified and Cache-Control from `response`.
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=timestamp, response=response
    )
    if conditional is not response:
        return conditional
    # No Content-Disposition: served inline, so calendar apps subscribe to it.
    response.content = ical.feed_calendar(events=feed_events(), stamp=last_modified)
    return response
