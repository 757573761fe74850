"""A registry of what goes into one person's private calendar feed.

Apps add their entries (event places, academy modules) without core importing
them: each registers, in its AppConfig.ready(), a callable that takes a user
and returns that person's VEVENTs. The feed view asks every source in turn.
"""

import datetime
from collections.abc import Callable

import icalendar
from django.conf import settings

PersonalSource = Callable[[object], list[icalendar.Event]]

_sources: list[PersonalSource] = []


def register_personal_source(source: PersonalSource) -> None:
    """Add a source of a person's calendar entries; registering twice adds it once."""
    if source not in _sources:
        _sources.append(source)


def personal_sources() -> list[PersonalSource]:
    """Return the registered sources, in the order they were registered."""
    return list(_sources)


def personal_events(user) -> list[icalendar.Event]:
    """Return every registered source's entries for the user."""
    return [vevent for source in _sources for vevent in source(user)]


def new_calendar(*, method: str) -> icalendar.Calendar:
    """Start a calendar with this service's PRODID and the given METHOD.

    PUBLISH for files and feeds; REQUEST or CANCEL for emailed invitations.
    """
    calendar = icalendar.Calendar()
    calendar.prodid = f"-//{settings.NETWORK_NAME}//Events//EN"
    calendar.version = "2.0"
    calendar.calscale = "GREGORIAN"
    calendar.method = method
    return calendar


def calendar_to_ical(calendar: icalendar.Calendar) -> bytes:
    """Add the VTIMEZONE the calendar's times need and serialise it.

    The VTIMEZONE covers whole years around the calendar's events, so that it
    stays short and still defines every change of offset they cross.
    """
    moments = [
        when
        for vevent in calendar.walk("VEVENT")
        for when in (vevent.start, vevent.end)
        if isinstance(when, datetime.datetime)
    ]
    if moments:
        calendar.add_missing_timezones(
            first_date=datetime.date(min(moments).year, 1, 1),
            last_date=datetime.date(max(moments).year + 1, 1, 1),
        )
    return calendar.to_ical()
