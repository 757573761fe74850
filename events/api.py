"""The public events API: read-only, published events only."""

import datetime

from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings

from events.models import Event
from events.selectors import (
    event_get_for_api,
    event_list_for_api,
    ticket_offers,
    ticket_offers_for_events,
)
from events.serializers import EventListQuerySerializer, EventSerializer


class _NoFormatOverride:
    """DRF's settings, less the `?format=` renderer override."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class AcceptHeaderNegotiation(DefaultContentNegotiation):
    """Choose the renderer from the Accept header alone.

    `?format=online` filters events, as on the events page; DRF would
    otherwise read it as a renderer name and answer 404.
    """

    settings = _NoFormatOverride()


LIST_PARAMETERS = [
    OpenApiParameter(
        "month", OpenApiTypes.STR, description="Events that start in this month, as YYYY-MM."
    ),
    OpenApiParameter(
        "format",
        {"type": "array", "items": {"type": "string", "enum": Event.Format.values}},
        description="Event format; repeat the parameter to include several.",
        explode=True,
    ),
    OpenApiParameter("price", OpenApiTypes.STR, enum=["free", "paid"]),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words in the title, summary or venue."),
]


class _EventAPIView(generics.GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = EventSerializer

    @cached_property
    def now(self) -> datetime.datetime:
        # One moment per request, so that places, availability and offers agree.
        return timezone.now()

    def get_event_serializer(self, events, *, offers, many=False) -> EventSerializer:
        context = {**self.get_serializer_context(), "now": self.now, "offers": offers}
        return self.get_serializer(events, many=many, context=context)


@extend_schema_view(get=extend_schema(parameters=LIST_PARAMETERS, tags=["events"]))
class EventListView(_EventAPIView, generics.ListAPIView):
    """List upcoming published events, soonest first."""

    content_negotiation_class = AcceptHeaderNegotiation

    def get_queryset(self):
        query = EventListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return event_list_for_api(now=self.now, **query.to_selector_filters())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        offers = ticket_offers_for_events(events=page, user=request.user, now=self.now)
        serializer = self.get_event_serializer(page, offers=offers, many=True)
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    get=extend_schema(
        parameters=[OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)],
        tags=["events"],
    )
)
class EventDetailView(_EventAPIView, generics.RetrieveAPIView):
    """Show one published or cancelled event; drafts are not found."""

    def get_object(self) -> Event:
        return event_get_for_api(slug=self.kwargs["slug"], now=self.now)

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        offers = {event.pk: ticket_offers(event=event, user=request.user, now=self.now)}
        return Response(self.get_event_serializer(event, offers=offers).data)
