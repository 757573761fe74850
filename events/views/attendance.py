"""The attendance report for one event: who came and who did not, as a page and a CSV."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from events.models import Registration
from events.selectors import attendance_places, attendance_report, staff_event_get
from events.views.staff import VIEW, _defused, staff_required

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


def _csv_row(place: Registration) -> list[str]:
    entry = place.first_entry_at
    return [
        _defused(value)
        for value in (
            place.first_name,
            place.last_name,
            place.organisation,
            place.ticket_type.name,
            "Yes" if entry else "No",
            f"{timezone.localtime(entry):%Y-%m-%d %H:%M}" if entry else "",
            place.order.reference,
        )
    ]


@require_safe
@staff_required(VIEW)
def staff_attendance_csv(request, slug):
    event = staff_event_get(slug=slug)
    filename = f"{event.slug}-attendance-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
    response.write("\ufeff")
    writer = csv.writer(response, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(place) for place in attendance_places(event=event))
    return response
