"""My bookings: a person's places, their tickets, changes to a place, and the
private calendar feed of their places.

Who may see a place is decided in one selector, `places_visible_to`; every
page here goes through it, so another person's place is 404. The booker and
the delegate may both cancel, transfer and edit a place: the booker paid for
it and often manages a team's places; the delegate is the one attending.
"""

import datetime
import io

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from accounts.services import (
    calendar_token_create,
    calendar_token_regenerate,
    calendar_token_revoke,
)
from core.calendar import personal_events
from core.qr import qr_code
from events import ical
from events.exceptions import ChangeNotAllowed
from events.models import Registration
from events.my_forms import CalendarAddressForm, CancelPlaceForm, NeedsForm, TransferPlaceForm
from events.selectors import (
    calendar_feed_owner,
    calendar_token_for,
    my_bookings,
    personal_feed_places,
    place_get_for_user,
)
from events.services.places import (
    can_change,
    can_edit_needs,
    change_deadline,
    needs_deadline,
    registration_cancel,
    registration_transfer,
    registration_update_needs,
)

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"

# Calendar apps poll a subscribed feed; a private cache may keep it this long.
PERSONAL_FEED_MAX_AGE = 300

# The ticket's QR code: dark modules in GOV.UK black on white, so it scans
# on any background; the border is the four modules the standard asks for.
QR_COLOURS = {"dark": "#0b0c0c", "light": "#ffffff"}
QR_PAGE_SCALE = 6
QR_FILE_SCALE = 10

ACTION_METHODS = ["GET", "HEAD", "POST"]


# --- the list and the ticket page ---------------------------------------------------


@login_required
@require_safe
def booking_list(request):
    bookings = my_bookings(user=request.user)
    return render(
        request,
        "events/my/list.html",
        {
            "upcoming": bookings.upcoming,
            "past": bookings.past,
            "has_calendar": calendar_token_for(user=request.user) is not None,
        },
    )


@login_required
@require_safe
def place_detail(request, pk):
    place = place_get_for_user(user=request.user, pk=pk)
    event = place.event
    now = timezone.now()
    confirmed = place.state == Registration.State.CONFIRMED
    show_ticket = confirmed and not event.is_cancelled
    return render(
        request,
        "events/my/place.html",
        {
            "place": place,
            "event": event,
            "order": place.order,
            "is_booker": place.order.booker_id == request.user.pk,
            "show_ticket": show_ticket,
            "qr_svg": _qr_inline(place) if show_ticket else "",
            "online_link": event.online_link if show_ticket and event.is_online else "",
            "can_change": can_change(place, now=now),
            "can_edit_needs": can_edit_needs(place, now=now),
            "change_deadline": change_deadline(event),
            "needs_deadline": needs_deadline(event),
        },
    )


@login_required
@require_safe
def place_ics(request, pk):
    """Download the place as an .ics file, with the joining link once it is confirmed."""
    place = place_get_for_user(user=request.user, pk=pk)
    calendar = ical.new_calendar(method="PUBLISH")
    calendar.add_component(place_vevent(place))
    response = HttpResponse(ical.calendar_to_ical(calendar), content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{place.event.slug}.ics"'
    # It may carry the joining link: never for a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_safe
def place_qr(request, pk):
    """Download the ticket's QR code as an SVG file; only a confirmed place has one."""
    place = place_get_for_user(user=request.user, pk=pk)
    if place.state != Registration.State.CONFIRMED or place.event.is_cancelled:
        raise Http404("This place has no ticket")
    buffer = io.BytesIO()
    qr_code(place.ticket_secret).save(
        buffer, kind="svg", scale=QR_FILE_SCALE, title=_qr_alt(place), **QR_COLOURS
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = (
        f'attachment; filename="ticket-{place.order.reference}-{place.pk}.svg"'
    )
    # The secret changes when the place is transferred: keep no copies.
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- changes to a place ---------------------------------------------------------------


@login_required
@require_http_methods(ACTION_METHODS)
def place_cancel(request, pk):
    place = place_get_for_user(user=request.user, pk=pk)
    form = CancelPlaceForm(request.POST) if request.method == "POST" else CancelPlaceForm()
    if form.is_bound and form.is_valid():
        try:
            registration_cancel(registration=place)
        except ChangeNotAllowed as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"{place.full_name}’s place at {place.event.title} has been cancelled."
            )
            return redirect("my:place", pk=place.pk)
    return _render_action(request, "events/my/cancel.html", place, form, allowed=can_change)


@login_required
@require_http_methods(ACTION_METHODS)
def place_transfer(request, pk):
    """Ask for the colleague's details, show them back, then transfer on confirmation.

    The check page carries the answers in hidden fields, so nothing is stored
    between the steps and every step validates them again.
    """
    place = place_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        form = TransferPlaceForm()
    else:
        form = TransferPlaceForm(request.POST)
        if form.is_valid() and "change" not in request.POST:
            if request.POST.get("confirm") != "yes":
                return render(
                    request, "events/my/transfer_check.html", {"place": place, "form": form}
                )
            previous_name = place.full_name
            try:
                place = registration_transfer(registration=place, to=form.delegate())
            except ChangeNotAllowed as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"{previous_name}’s place at {place.event.title} now belongs to "
                    f"{place.full_name}. We have emailed them both.",
                )
                return redirect("my:list")
    return _render_action(request, "events/my/transfer.html", place, form, allowed=can_change)


@login_required
@require_http_methods(ACTION_METHODS)
def place_needs(request, pk):
    place = place_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        form = NeedsForm(initial={"dietary": place.dietary, "access_needs": place.access_needs})
    else:
        form = NeedsForm(request.POST)
        if form.is_valid():
            try:
                registration_update_needs(registration=place, **form.cleaned_data)
            except ChangeNotAllowed as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, f"{place.full_name}’s dietary and access needs have been saved."
                )
                return redirect("my:place", pk=place.pk)
    return _render_action(request, "events/my/needs.html", place, form, allowed=can_edit_needs)


def _render_action(request, template, place, form, *, allowed):
    return render(
        request,
        template,
        {
            "place": place,
            "event": place.event,
            "form": form,
            "allowed": allowed(place),
            "change_deadline": change_deadline(place.event),
            "needs_deadline": needs_deadline(place.event),
        },
        status=400 if form.errors else 200,
    )


# --- the private calendar feed -----------------------------------------------------


@login_required
@require_http_methods(ACTION_METHODS)
def calendar_address(request):
    """Show the person's feed address; POST creates, resets or turns it off."""
    form = CalendarAddressForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        action = form.cleaned_data["action"]
        if action == "create":
            calendar_token_create(user=request.user)
            messages.success(request, "Your calendar address has been created.")
        elif action == "reset":
            calendar_token_regenerate(user=request.user)
            messages.success(
                request,
                "Your calendar address has been reset. The old address no longer works: "
                "subscribe again with the new one.",
            )
        else:
            calendar_token_revoke(user=request.user)
            messages.success(request, "Your calendar address has been turned off.")
        return redirect("my:calendar")
    token = calendar_token_for(user=request.user)
    feed_url = personal_feed_url(token.token) if token else ""
    return render(
        request,
        "events/my/calendar.html",
        {
            "form": form,
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
        },
        status=400 if form is not None else 200,
    )


def personal_feed_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('personal-calendar', kwargs={'token': token})}"


@require_safe
def personal_calendar(request, token):
    """Serve one person's private feed of their confirmed places.

    No sign-in: calendar apps cannot sign in, so the address's random token
    is the key. An unknown or turned-off token is 404.
    """
    user = calendar_feed_owner(token=token)
    if user is None:
        raise Http404("No such calendar")
    calendar = ical.new_calendar(method="PUBLISH")
    calendar.calendar_name = f"{settings.SERVICE_NAME}: your bookings"
    calendar.add("X-WR-TIMEZONE", str(ical.LONDON))
    calendar.refresh_interval = ical.FEED_REFRESH_INTERVAL
    # RFC 7986 requires the VALUE parameter here; icalendar leaves it out.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(ical.FEED_REFRESH_INTERVAL))
    for vevent in personal_events(user):
        calendar.add_component(vevent)
    response = HttpResponse(ical.calendar_to_ical(calendar), content_type=CALENDAR_CONTENT_TYPE)
    patch_cache_control(response, private=True, max_age=PERSONAL_FEED_MAX_AGE)
    # The address is a secret: keep it out of search engines and Referer headers.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def personal_calendar_entries(user) -> list[icalendar.Event]:
    """The events app's contribution to a person's feed (core.calendar source)."""
    stamp = timezone.now()
    return [place_vevent(place, stamp=stamp) for place in personal_feed_places(user=user)]


# --- helpers ------------------------------------------------------------------------


def place_vevent(place: Registration, *, stamp: datetime.datetime | None = None):
    """Return the VEVENT for one place: the event, under the place's own UID.

    The UID is the one emailed invitations use, so the entry is the same one
    whether it came by email, file or feed.
    """
    confirmed = place.state == Registration.State.CONFIRMED
    vevent = ical.vevent_for_event(place.event, stamp=stamp, show_online_link=confirmed)
    vevent.uid = ical.registration_uid(place)
    vevent.sequence = ical.registration_sequence(
        place, transfers=getattr(place, "transfer_count", None)
    )
    if place.state == Registration.State.CANCELLED and not place.event.is_cancelled:
        vevent.status = icalendar.STATUS.CANCELLED
        vevent.summary = f"Cancelled: {place.event.title}"
    return vevent


def _qr_alt(place: Registration) -> str:
    return f"QR code for {place.full_name}’s ticket"


def _qr_inline(place: Registration) -> str:
    svg = qr_code(place.ticket_secret).svg_inline(scale=QR_PAGE_SCALE, **QR_COLOURS)
    # segno escapes what it writes; the label is escaped here.
    labelled = svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(_qr_alt(place))}" focusable="false" ', 1
    )
    return mark_safe(labelled)  # noqa: S308
