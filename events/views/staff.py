"""The event staff desk: attendee list and CSV, comps, cancellations, emailing
delegates and the waiting list, for one event at a time."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.exceptions import DomainError
from core.spreadsheets import csv_download
from core.tasks import enqueue_on_commit
from events.models import Event, Registration, WaitingListEntry
from events.selectors import (
    staff_event_counts,
    staff_event_get,
    staff_event_list,
    staff_message_recipients,
    staff_registrations,
    staff_waiting_line_number,
    staff_waiting_list_entries,
)
from events.services.booking import PlaceRequest, booking_create
from events.services.places import registration_cancel
from events.services.waiting_list import (
    waiting_list_move,
    waiting_list_offer_places,
    waiting_list_remove,
)
from events.staff_forms import (
    AttendeeFilterForm,
    CompForm,
    StaffMessageForm,
    WaitingListMoveForm,
)

VIEW = "events.view_registration"
CHANGE = "events.change_registration"
ADD = "events.add_registration"
VIEW_WAITING = "events.view_waitinglistentry"
CHANGE_WAITING = "events.change_waitinglistentry"

CSV_COLUMNS = [
    "First name",
    "Last name",
    "Email",
    "Job title",
    "Organisation",
    "Ticket type",
    "Dietary requirements",
    "Access needs",
    "Booking reference",
    "Payment method",
    "Payment state",
    "Place state",
    "Booked at",
]


def staff_required(perm: str):
    """Send anonymous visitors to sign in; refuse signed-in users without `perm` (403)."""

    def decorator(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _delegates(count: int) -> str:
    return _plural(count, "delegate")


@require_safe
@staff_required(VIEW)
def staff_index(request):
    return render(request, "events/staff/index.html", {"events": staff_event_list()})


@require_safe
@staff_required(VIEW)
def staff_event(request, slug):
    event = staff_event_get(slug=slug)
    return render(
        request,
        "events/staff/event.html",
        {"event": event, "counts": staff_event_counts(event=event)},
    )


def _filtered_places(request, event: Event):
    form = AttendeeFilterForm(request.GET or None, event=event)
    filters, ignored = form.filters()
    return form, filters, ignored, staff_registrations(event=event, **filters)


@require_safe
@staff_required(VIEW)
def staff_attendees(request, slug):
    event = staff_event_get(slug=slug)
    filter_form, filters, ignored, places = _filtered_places(request, event)
    return render(
        request,
        "events/staff/attendees.html",
        {
            "event": event,
            "counts": staff_event_counts(event=event),
            "filter_form": filter_form,
            "ignored_filters": ignored,
            "filtered": any(filters.values()),
            "places": list(places),
            "query": request.GET.urlencode(),
        },
    )


def _csv_row(place: Registration) -> tuple:
    order = place.order
    return (
        place.first_name,
        place.last_name,
        place.email,
        place.job_title,
        place.organisation,
        place.ticket_type.name,
        place.dietary,
        place.access_needs,
        order.reference,
        order.get_payment_method_display(),
        order.get_state_display(),
        place.get_state_display(),
        f"{timezone.localtime(place.created_at):%Y-%m-%d %H:%M}",
    )


@require_safe
@staff_required(VIEW)
def staff_attendees_csv(request, slug):
    event = staff_event_get(slug=slug)
    _, _, _, places = _filtered_places(request, event)
    return csv_download(
        filename=f"{event.slug}-attendees-{timezone.localdate():%Y-%m-%d}.csv",
        columns=CSV_COLUMNS,
        rows=(_csv_row(place) for place in places),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(ADD)
def staff_comp(request, slug):
    event = staff_event_get(slug=slug)
    form = CompForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            order = booking_create(
                event_id=event.pk,
                booker=user,
                booker_name=user.full_name or user.email,
                booker_email=user.email,
                places=[PlaceRequest(form.cleaned_data["ticket_type"].pk, form.delegate())],
                payment_method="free",
                staff_comp=True,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            delegate = form.delegate()
            messages.success(
                request,
                f"Complimentary place booked for {delegate.first_name} {delegate.last_name}. "
                f"Booking reference {order.reference}.",
            )
            return redirect(
                f"{reverse('events:staff_attendees', args=[event.slug])}?q={order.reference}"
            )
    return render(request, "events/staff/comp.html", {"event": event, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CHANGE)
def staff_cancel(request, slug, pk):
    event = staff_event_get(slug=slug)
    place = get_object_or_404(
        Registration.objects.select_related("ticket_type", "order"), pk=pk, event=event
    )
    if request.method == "POST":
        try:
            registration_cancel(registration=place, by_staff=True)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"The place for {place.full_name} is cancelled. They will get an email to say so.",
            )
        return redirect("events:staff_attendees", slug=event.slug)
    return render(request, "events/staff/cancel.html", {"event": event, "place": place})


def _email_all(*, event: Event, subject: str, message: str, sender) -> None:
    """Queue one email to each confirmed delegate, sent in the background."""
    enqueue_on_commit("events.tasks.send_staff_message", event.pk, subject, message, sender.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CHANGE)
def staff_email(request, slug):
    event = staff_event_get(slug=slug)
    form = StaffMessageForm(request.POST or None)
    action = request.POST.get("action", "preview")
    if request.method == "POST" and form.is_valid() and action != "change":
        recipients = len(staff_message_recipients(event=event))
        if not recipients:
            form.add_error(None, "There are no confirmed delegates to email yet")
        elif action == "send":
            _email_all(
                event=event,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
                sender=request.user,
            )
            messages.success(request, f"Your message is being sent to {_delegates(recipients)}")
            return redirect("events:staff_event", slug=event.slug)
        else:
            return render(
                request,
                "events/staff/email_confirm.html",
                {"event": event, "form": form, "recipients": recipients},
            )
    return render(request, "events/staff/email.html", {"event": event, "form": form})


@require_safe
@staff_required(VIEW_WAITING)
def staff_waiting_list(request, slug):
    event = staff_event_get(slug=slug)
    return _render_waiting_list(request, event)


def _render_waiting_list(request, event, *, move_form=None, moving=None, status=200):
    live, done = staff_waiting_list_entries(event=event)
    return render(
        request,
        "events/staff/waiting_list.html",
        {
            "event": event,
            "counts": staff_event_counts(event=event),
            "entries": live,
            "done": done,
            "last_line_number": max((getattr(e, "line_number", 0) for e in live), default=0),
            # Named `form` so that the page title says "Error:".
            "form": move_form,
            "moving": moving,
        },
        status=status,
    )


def _waiting_entry(event, pk) -> WaitingListEntry:
    return get_object_or_404(WaitingListEntry, pk=pk, event=event)


def _who(entry: WaitingListEntry) -> str:
    return entry.name or entry.email


@require_POST
@staff_required(CHANGE_WAITING)
def staff_waiting_move(request, slug, pk):
    event = staff_event_get(slug=slug)
    entry = _waiting_entry(event, pk)
    form = WaitingListMoveForm(request.POST)
    if not form.is_valid():
        return _render_waiting_list(request, event, move_form=form, moving=entry)
    to_position = form.cleaned_data["position"]
    if form.cleaned_data["direction"]:
        current = staff_waiting_line_number(entry=entry)
        if current is None:
            messages.error(request, "Only people still waiting can be moved.")
            return redirect("events:staff_waiting_list", slug=event.slug)
        to_position = current - 1 if form.cleaned_data["direction"] == "up" else current + 1
    try:
        waiting_list_move(entry=entry, to_position=to_position)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{_who(entry)} is now number {staff_waiting_line_number(entry=entry)} "
            "on the waiting list.",
        )
    return redirect("events:staff_waiting_list", slug=event.slug)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(CHANGE_WAITING)
def staff_waiting_remove(request, slug, pk):
    event = staff_event_get(slug=slug)
    entry = _waiting_entry(event, pk)
    live = entry.state in (WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED)
    if request.method == "POST":
        if live:
            waiting_list_remove(entry=entry)
            messages.success(request, f"{_who(entry)} has been taken off the waiting list.")
        else:
            messages.error(request, f"{_who(entry)} is no longer on the waiting list.")
        return redirect("events:staff_waiting_list", slug=event.slug)
    return render(
        request,
        "events/staff/waiting_remove.html",
        {"event": event, "entry": entry, "live": live},
    )


@require_POST
@staff_required(CHANGE_WAITING)
def staff_waiting_offer(request, slug):
    event = staff_event_get(slug=slug)
    offered = waiting_list_offer_places(event_id=event.pk)
    if offered:
        messages.success(
            request,
            f"{_plural(offered, 'place')} offered. "
            f"{'The person' if offered == 1 else 'Each person'} offered has been emailed.",
        )
    else:
        messages.info(
            request,
            "No places were offered: there are no free places, nobody is waiting, "
            "or registration has closed.",
        )
    return redirect("events:staff_waiting_list", slug=event.slug)
