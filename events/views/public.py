from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from events import calendar_links
from events.forms import EventFilterForm
from events.selectors import (
    event_availability,
    event_get_for_page,
    event_list_past,
    event_list_upcoming,
    sessions_by_day,
    ticket_offers,
)

PAGE_SIZE = 20


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(event, event_availability(event=event, now=now)) for event in page.object_list]
    return page, rows


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_safe
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters, ignored = form.filters() if form.is_bound else ({}, [])
    page, rows = _page(request, event_list_upcoming(**filters))
    return render(
        request,
        "events/list.html",
        {
            "filter_form": form,
            "ignored_filters": ignored,
            "page": page,
            "rows": rows,
            "filtered": any(filters.values()),
            "query": _query_without_page(request),
        },
    )


@require_safe
def event_past(request):
    search = request.GET.get("q", "").strip()[:100]
    page, rows = _page(request, event_list_past(search=search))
    return render(
        request,
        "events/past.html",
        {"page": page, "rows": rows, "search": search, "query": _query_without_page(request)},
    )


@require_safe
def event_detail(request, slug):
    event = event_get_for_page(slug=slug, user=request.user)
    now = timezone.now()
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "availability": event_availability(event=event, now=now),
            "offers": ticket_offers(event=event, user=request.user, now=now),
            "agenda": sessions_by_day(event=event),
            "speakers": _speakers(event),
            "google_calendar_url": calendar_links.google_calendar_url(event),
            "outlook_calendar_url": calendar_links.outlook_calendar_url(event),
            "show_both_prices": not request.user.is_authenticated,
        },
    )


def _speakers(event):
    seen = {}
    for session in event.sessions.all():
        for speaker in session.speakers.all():
            seen.setdefault(speaker.pk, speaker)
    return sorted(seen.values(), key=lambda s: s.name)
