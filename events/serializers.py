"""Shapes of the events API: query parameters in, events out."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Event, TicketType, Venue
from events.selectors import TicketOffer, event_availability

MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")


class LondonDateTimeField(serializers.DateTimeField):
    """Render a moment in Europe/London with its offset, "+00:00" included.

    DRF writes UTC as "Z"; the API promises the London wall-clock time and its
    offset all year round, so that clients never have to convert.
    """

    def to_representation(self, value: datetime.datetime) -> str:
        return timezone.localtime(value, timezone.get_default_timezone()).isoformat()


class EventListQuerySerializer(serializers.Serializer):
    """Validate the list's filters, which mirror those of the events page."""

    month = serializers.CharField(
        required=False, help_text="Events that start in this month, as YYYY-MM."
    )
    format = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.Format.choices),
        required=False,
        help_text="Repeat to include several formats.",
    )
    price = serializers.ChoiceField(choices=[("free", "Free"), ("paid", "Paid")], required=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words in the title, summary or venue.",
    )

    def validate_month(self, value: str) -> datetime.date:
        match = MONTH_PATTERN.fullmatch(value)
        try:
            # Years outside this range overflow the month arithmetic in the selector.
            if not match or not 1900 <= int(match[1]) <= 9998:
                raise ValueError
            return datetime.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise serializers.ValidationError(
                "Enter a month as YYYY-MM, such as 2026-06.", code="invalid_month"
            ) from None

    def to_selector_filters(self) -> dict:
        """Return the validated filters as keyword arguments of `event_list_upcoming`."""
        data = self.validated_data
        return {
            "month": data.get("month"),
            "formats": data.get("format") or None,
            "price": data.get("price"),
            "search": data.get("q", "").strip(),
        }


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["name", "address", "postcode", "access_information", "map_url"]
        read_only_fields = fields


class TicketTypeSerializer(serializers.Serializer):
    """A ticket type as the caller may buy it: one `TicketOffer`."""

    id = serializers.IntegerField(source="ticket_type.pk")
    name = serializers.CharField(source="ticket_type.name")
    audience = serializers.ChoiceField(
        source="ticket_type.audience", choices=TicketType.Audience.choices
    )
    price_net = serializers.DecimalField(
        source="ticket_type.price.net", max_digits=10, decimal_places=2
    )
    vat_rate = serializers.DecimalField(
        source="ticket_type.vat_rate",
        max_digits=5,
        decimal_places=2,
        help_text="VAT rate in per cent.",
    )
    price_gross = serializers.DecimalField(
        source="ticket_type.price.gross",
        max_digits=11,
        decimal_places=2,
        help_text="Price including VAT.",
    )
    available = serializers.BooleanField(help_text="Whether the caller can book it now.")


class EventSerializer(serializers.ModelSerializer):
    """An event, its places and the ticket types that the caller may buy.

    Times are in Europe/London with their offset. Signed-in callers see only
    the member or non-member prices that apply to them.
    """

    # Needs the event annotated with `places_taken` (the selectors do it) and,
    # in the context, the `request`, the moment `now` and `offers`: the ticket
    # offers by event id, worked out once per page by the view.

    starts_at = LondonDateTimeField(read_only=True)
    ends_at = LondonDateTimeField(read_only=True)
    venue = VenueSerializer(allow_null=True, read_only=True)
    places_left = serializers.SerializerMethodField()
    registration_open = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()
    ticket_types = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "slug",
            "title",
            "summary",
            "format",
            "status",
            "starts_at",
            "ends_at",
            "venue",
            "places_left",
            "registration_open",
            "url",
            "ics_url",
            "ticket_types",
        ]
        read_only_fields = fields

    def get_places_left(self, event: Event) -> int:
        return event_availability(event=event, now=self.context["now"]).places_left

    def get_registration_open(self, event: Event) -> bool:
        return event_availability(event=event, now=self.context["now"]).registration_open

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, event: Event) -> str:
        path = reverse("events:detail", kwargs={"slug": event.slug})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_ics_url(self, event: Event) -> str:
        path = reverse("events:ics", kwargs={"slug": event.slug})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(TicketTypeSerializer(many=True))
    def get_ticket_types(self, event: Event) -> list[dict]:
        offers: list[TicketOffer] = self.context["offers"][event.pk]
        return TicketTypeSerializer(offers, many=True).data
