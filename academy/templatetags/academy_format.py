"""Dates and times as the academy's pages, emails and PDFs write them, in London time.

GOV.UK style: "9am", "9:30am", "midday"; "5pm on 3 March 2027";
"Monday 3 March 2027". Aware datetimes are shown in Europe/London whatever the
current time zone.
"""

import datetime
from zoneinfo import ZoneInfo

from django import template

register = template.Library()

LONDON = ZoneInfo("Europe/London")


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(LONDON) if moment.tzinfo else moment


@register.filter
def clock(moment: datetime.datetime | None) -> str:
    """Format a time of day: 9am, 9:30am, midday, midnight, 4:15pm."""
    if not moment:
        return ""
    local = _local(moment)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.hour % 12 or 12}{minutes}{'am' if local.hour < 12 else 'pm'}"


@register.filter
def day(moment: datetime.datetime | datetime.date | None) -> str:
    """Format a date with its weekday: Monday 3 March 2027."""
    if not moment:
        return ""
    local = _local(moment) if isinstance(moment, datetime.datetime) else moment
    return f"{local:%A} {local.day} {local:%B %Y}"


@register.filter
def deadline(moment: datetime.datetime | None) -> str:
    """Format a moment something must happen by: 5pm on 3 March 2027."""
    if not moment:
        return ""
    local = _local(moment)
    return f"{clock(local)} on {local.day} {local:%B %Y}"


@register.filter
def time_range(start: datetime.datetime | None, end: datetime.datetime | None) -> str:
    """Format a module's hours: 9:30am to 4:30pm (with the end's date if another day)."""
    if not start or not end:
        return ""
    if _local(start).date() == _local(end).date():
        return f"{clock(start)} to {clock(end)}"
    return f"{clock(start)} to {clock(end)} on {day(end)}"
