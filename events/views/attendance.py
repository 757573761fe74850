"""The attendance report for one event: who came and who did not, as a page and a CSV."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.spreadsheets import csv_download
from events.models import Registration
from events.selectors import attendance_places, attendance_report, staff_event_get
from events.views.staff import VIEW, staff_required

CSV_COLUMNS = [
    "First name",
    "Last name",
    "Organisation",
    "Ticket type",
    "Came",
    "First entry",
    "Booking reference",
]


@require_safe
@staff_required(VIEW)
def staff_attendance(request, slug):
    event = staff_event_get(slug=slug)
    return render(
        request,
        "events/staff/attendance.html",
        {"event": event, "report": attendance_report(event=event)},
    )


def _csv_row(place: Registration) -> tuple:
    entry = place.first_entry_at
    return (
        place.first_name,
        place.last_name,
        place.organisation,
        place.ticket_type.name,
        "Yes" if entry else "No",
        f"{timezone.localtime(entry):%Y-%m-%d %H:%M}" if entry else "",
        place.order.reference,
    )


@require_safe
@staff_required(VIEW)
def staff_attendance_csv(request, slug):
    event = staff_event_get(slug=slug)
    return csv_download(
        filename=f"{event.slug}-attendance-{timezone.localdate():%Y-%m-%d}.csv",
        columns=CSV_COLUMNS,
        rows=(_csv_row(place) for place in attendance_places(event=event)),
    )
