"""iCalendar for academy modules: a cohort's .ics and each delegate's personal feed."""

import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from academy.models import Cohort, Enrolment, Module
from academy.selectors import LIVE_ENROLMENT_STATES
from core.calendar import calendar_to_ical, new_calendar

LONDON = ZoneInfo("Europe/London")


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def module_uid(module: Module) -> str:
    """A stable UID per module, the same in the cohort's file and every personal feed."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"academy-module-{module.pk}@{host}"


def _location(module: Module) -> str:
    cohort = module.cohort
    if module.venue:
        return module.venue
    if cohort.venue:
        address = ", ".join(
            line.strip() for line in cohort.venue_address.splitlines() if line.strip()
        )
        return f"{cohort.venue}, {address}" if address else cohort.venue
    return "Online" if cohort.delivery == Cohort.Delivery.ONLINE else ""


def module_vevent(
    module: Module, *, stamp: datetime.datetime | None = None, show_online_link: bool = False
) -> icalendar.Event:
    """Return the VEVENT for one module of a cohort (module.cohort.programme should be loaded).

    The joining link is only for enrolled delegates' own feeds, never the public file.
    """
    cohort = module.cohort
    programme = cohort.programme
    url = settings.SITE_URL.rstrip("/") + cohort.get_absolute_url()
    description = [f"{programme.title}, {cohort.name}."]
    if module.facilitator:
        description.append(f"Facilitator: {module.facilitator}")
    if module.description:
        description.append(module.description)
    if show_online_link and module.online_link:
        description.append(f"Join online: {module.online_link}")
    description.append(url)
    cancelled = cohort.status == Cohort.Status.CANCELLED
    summary = f"{programme.title}: {module.title}"
    return icalendar.Event.new(
        uid=module_uid(module),
        stamp=_utc(stamp or timezone.now()),
        last_modified=_utc(max(module.updated_at, cohort.updated_at)),
        sequence=module.sequence + (1 if cancelled else 0),
        status=icalendar.STATUS.CANCELLED if cancelled else icalendar.STATUS.CONFIRMED,
        summary=f"Cancelled: {summary}" if cancelled else summary,
        start=module.starts_at.astimezone(LONDON),
        end=module.ends_at.astimezone(LONDON),
        location=_location(module) or None,
        url=url,
        description="\n\n".join(description),
    )


def cohort_calendar(*, cohort: Cohort) -> bytes:
    """Return the cohort's modules as one PUBLISH calendar."""
    calendar = new_calendar(method="PUBLISH")
    calendar.add("X-WR-CALNAME", f"{cohort.programme.title}: {cohort.name}")
    calendar.add("X-WR-TIMEZONE", "Europe/London")
    stamp = timezone.now()
    for module in cohort.modules.order_by("starts_at", "pk"):
        module.cohort = cohort
        calendar.add_component(module_vevent(module, stamp=stamp))
    return calendar_to_ical(calendar)


def personal_calendar_entries(user) -> list[icalendar.Event]:
    """The academy's contribution to a person's feed: modules of their live enrolments."""
    stamp = timezone.now()
    modules = (
        Module.objects.filter(
            cohort__enrolments__delegate=user,
            cohort__enrolments__state__in=LIVE_ENROLMENT_STATES,
        )
        .select_related("cohort__programme")
        .distinct()
        .order_by("starts_at", "pk")
    )
    confirmed_cohorts = set(
        Enrolment.objects.filter(delegate=user, state=Enrolment.State.CONFIRMED).values_list(
            "cohort_id", flat=True
        )
    )
    return [
        module_vevent(module, stamp=stamp, show_online_link=module.cohort_id in confirmed_cohorts)
        for module in modules
    ]
