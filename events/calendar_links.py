"""Links that open an event in Google Calendar or Outlook on the web."""

import datetime
from urllib.parse import urlencode

from django.conf import settings

from events.models import Event


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def _location(event: Event) -> str:
    if event.venue:
        return event.venue.one_line
    return "Online" if event.is_online else ""


def _details(event: Event) -> str:
    return f"{event.summary}\n\n{settings.SITE_URL}{event.get_absolute_url()}"


def google_calendar_url(event: Event) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc(event.starts_at):{stamp}}/{_utc(event.ends_at):{stamp}}",
        "details": _details(event),
        "location": _location(event),
        "ctz": settings.TIME_ZONE,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event: Event) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": _utc(event.starts_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(event.ends_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": _details(event),
        "location": _location(event),
    }
    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(query)
