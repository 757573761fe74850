"""iCalendar (RFC 5545) documents for events: one event's .ics and the public feed.

Everything is built with the icalendar library; nothing here writes iCalendar
text by hand. Functions are pure apart from reading settings and, for
sessions, the event's (ideally prefetched) agenda.
"""

import datetime
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.calendar import calendar_to_ical, new_calendar
from events.models import Event, Session, Speaker

# Events happen in the UK: their times are London wall-clock times whatever
# timezone a request has activated.
LONDON = ZoneInfo("Europe/London")

# Calendar clients poll subscribed feeds; ask them not to do so more often
# than this (RFC 7986 REFRESH-INTERVAL and Microsoft's X-PUBLISHED-TTL).
FEED_REFRESH_INTERVAL = datetime.timedelta(hours=6)

_STATUS = {
    Event.Status.PUBLISHED: icalendar.STATUS.CONFIRMED,
    Event.Status.CANCELLED: icalendar.STATUS.CANCELLED,
    # Only staff previewing a draft ever see one.
    Event.Status.DRAFT: icalendar.STATUS.TENTATIVE,
}


def vevent_for_event(
    event: Event,
    *,
    stamp: datetime.datetime | None = None,
    organizer: icalendar.vCalAddress | None = None,
    attendees: Sequence[icalendar.vCalAddress] = (),
    show_online_link: bool = False,
) -> icalendar.Event:
    """Return the VEVENT for an event.

    `stamp` is the DTSTAMP (now, if not given). PUBLISH needs no organizer or
    attendees; an invitation (METHOD:REQUEST) passes both, for example
    `vCalAddress.new(email, cn=name, role="REQ-PARTICIPANT", rsvp=False)`.
    `show_online_link` adds the joining link: only for invitations sent to
    confirmed delegates, never for files or feeds anyone can download.
    """
    url = _event_url(event)
    description = [event.summary]
    if show_online_link and event.online_link:
        description.append(f"Join online: {event.online_link}")
    description.append(url)
    return icalendar.Event.new(
        uid=_uid("event", event.pk),
        stamp=_utc(stamp or timezone.now()),
        last_modified=_utc(_last_modified(event)),
        sequence=event.sequence,
        status=_STATUS[event.status],
        summary=_summary(event.title, event=event),
        start=event.starts_at.astimezone(LONDON),
        end=event.ends_at.astimezone(LONDON),
        location=_location(event) or None,
        url=url,
        description="\n\n".join(description),
        organizer=organizer,
        attendees=list(attendees) or None,
    )


def vevent_for_session(
    session: Session, *, event: Event, stamp: datetime.datetime | None = None
) -> icalendar.Event:
    """Return the VEVENT for one agenda session of an event.

    SEQUENCE adds the event's and the session's: both only rise, so the sum
    rises when either the event or the session moves.
    """
    url = _event_url(event)
    description = [session.description.strip()] if session.description.strip() else []
    speakers = [_speaker_line(speaker) for speaker in session.speakers.all()]
    if speakers:
        heading = "Speaker:" if len(speakers) == 1 else "Speakers:"
        description.append("\n".join([heading, *speakers]))
    description.append(url)
    location = ", ".join(part for part in (session.room.strip(), _location(event)) if part)
    return icalendar.Event.new(
        uid=_uid("session", session.pk),
        stamp=_utc(stamp or timezone.now()),
        last_modified=_utc(max(session.updated_at, _last_modified(event))),
        sequence=event.sequence + session.sequence,
        status=_STATUS[event.status],
        summary=_summary(f"{session.title} ({event.title})", event=event),
        start=session.starts_at.astimezone(LONDON),
        end=session.ends_at.astimezone(LONDON),
        location=location or None,
        url=url,
        description="\n\n".join(description),
    )


def event_calendar(*, event: Event, include_sessions: bool = False) -> bytes:
    """Return one event as an .ics file, with a VEVENT per session if asked.

    Prefetch `sessions` and `sessions__speakers` before asking for sessions.
    """
    stamp = timezone.now()
    calendar = new_calendar(method="PUBLISH")
    calendar.add_component(vevent_for_event(event, stamp=stamp))
    if include_sessions:
        for session in event.sessions.all():
            calendar.add_component(vevent_for_session(session, event=event, stamp=stamp))
    return calendar_to_ical(calendar)


def feed_calendar(*, events: Iterable[Event], stamp: datetime.datetime | None = None) -> bytes:
    """Return the public, subscribable calendar of the given events.

    `stamp` (DTSTAMP of every VEVENT) defaults to the latest change among the
    events, so that the same events always give the same bytes.
    """
    events = list(events)
    if stamp is None:
        stamp = max((_last_modified(event) for event in events), default=timezone.now())
    calendar = new_calendar(method="PUBLISH")
    calendar.calendar_name = f"{settings.SERVICE_NAME} events"
    calendar.description = (
        f"Events for public-sector digital leaders from {settings.NETWORK_NAME}."
    )
    calendar.add("X-WR-TIMEZONE", str(LONDON))
    calendar.source = f"{settings.SITE_URL}{reverse('events:feed')}"
    calendar.refresh_interval = FEED_REFRESH_INTERVAL
    # RFC 7986 requires the VALUE parameter here; icalendar leaves it out.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_REFRESH_INTERVAL))
    for event in events:
        calendar.add_component(vevent_for_event(event, stamp=stamp))
    return calendar_to_ical(calendar)


def registration_sequence(registration, *, transfers: int | None = None) -> int:
    """Return the SEQUENCE of a place's calendar entry.

    The event's sequence rises when it moves; each transfer re-issues the
    entry, so it adds one and the new holder's invitation outranks the
    cancellation sent to the previous one. Both only rise, so the sum does.
    Pass `transfers` when it is already counted (feeds annotate it).
    """
    if transfers is None:
        transfers = registration.retired_secrets.filter(reason="transferred").count()
    return registration.event.sequence + transfers


def registration_uid(registration) -> str:
    """Return the UID of one delegate's place at an event.

    Emailed invitations, the place's .ics file and the person's private feed
    all use it, so a calendar keeps one entry per place however it arrived.
    """
    return _uid("registration", registration.pk)


def _uid(kind: str, pk: int) -> str:
    # The primary key never changes, so neither does the UID: calendars
    # update the entry they already have instead of adding a second one.
    return f"{kind}-{pk}@{urlsplit(settings.SITE_URL).hostname}"


def _event_url(event: Event) -> str:
    return f"{settings.SITE_URL}{event.get_absolute_url()}"


def _summary(title: str, *, event: Event) -> str:
    # Several clients (Outlook among them) ignore STATUS in subscribed
    # calendars; the title is the one thing every client shows.
    return f"Cancelled: {title}" if event.is_cancelled else title


def _location(event: Event) -> str:
    if event.venue:
        if event.format == Event.Format.HYBRID:
            return f"{event.venue.one_line} and online"
        return event.venue.one_line
    return "Online" if event.is_online else ""


def _last_modified(event: Event) -> datetime.datetime:
    # The venue's address is part of the entry too; this matches
    # selectors.feed_fingerprint, which counts venue changes.
    if event.venue:
        return max(event.updated_at, event.venue.updated_at)
    return event.updated_at


def _speaker_line(speaker: Speaker) -> str:
    parts = (speaker.name, speaker.role, speaker.organisation)
    return ", ".join(part.strip() for part in parts if part.strip())


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)
