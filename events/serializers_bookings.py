"""Shapes of the bookings API: bookings and transfers in, bookings and places out.

The serializers check the shape of a request only; every rule of booking
(capacity, members, sale windows, discount codes) belongs to the services.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Event, Registration
from events.serializers import LondonDateTimeField
from events.services.booking import MAX_PLACES_PER_BOOKING, DelegateDetails, PlaceRequest
from events.services.places import LIVE_STATES
from payments.models import Order
from payments.services import Billing

# --- Errors, as core.api.exception_handler writes them --------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can read.")
    code = serializers.CharField(help_text="A short machine-readable code, such as `sold_out`.")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The problems with the request, keyed by field; nested for nested fields.",
    )


# --- Requests ---------------------------------------------------------------------


def delegate_details(data: dict) -> DelegateDetails:
    """Return a validated delegate as the services take it."""
    return DelegateDetails(
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        job_title=data.get("job_title", ""),
        organisation=data.get("organisation", ""),
        dietary=data.get("dietary", ""),
        access_needs=data.get("access_needs", ""),
        attendee_list_consent=data.get("attendee_list_consent", False),
    )


class DelegateSerializer(serializers.Serializer):
    """The person who will come: the details printed on their badge and ticket."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    dietary = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Dietary requirements."
    )
    access_needs = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    attendee_list_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Whether the delegate may appear on the attendee list.",
    )


class BookingDelegateSerializer(DelegateSerializer):
    ticket_type = serializers.IntegerField(
        min_value=1, help_text="The id of one of the event's ticket types."
    )


class BillingSerializer(serializers.Serializer):
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    vat_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="The customer's VAT number."
    )


# Billing fields an invoice cannot be issued without.
INVOICE_BILLING_FIELDS = ("organisation", "address", "postcode")


class BookingCreateSerializer(serializers.Serializer):
    """A booking of one or more places at one event."""

    event = serializers.SlugRelatedField(
        slug_field="slug",
        # Drafts are not found, as on the events API; cancelled events are, and the
        # booking service says that they are closed.
        queryset=Event.objects.exclude(status=Event.Status.DRAFT),
        help_text="The event's slug.",
        error_messages={"does_not_exist": "There is no event “{value}”."},
    )
    payment_method = serializers.ChoiceField(
        choices=Order.PaymentMethod.choices,
        help_text=(
            "`free` for places that cost nothing; `invoice` confirms the places at once "
            "and needs `billing`; `card` holds the places, pending, until paid."
        ),
    )
    purchase_order = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Printed on the invoice."
    )
    billing = BillingSerializer(
        required=False,
        allow_null=True,
        help_text="Required for `invoice`: organisation, address and postcode.",
    )
    discount_code = serializers.CharField(
        max_length=32, required=False, allow_blank=True, allow_null=True
    )
    delegates = BookingDelegateSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_PLACES_PER_BOOKING,
        help_text=f"One entry per place, up to {MAX_PLACES_PER_BOOKING}.",
    )

    def validate(self, data: dict) -> dict:
        if data["payment_method"] == Order.PaymentMethod.INVOICE:
            billing = data.get("billing") or {}
            missing = {
                name: ["Enter this to be invoiced."]
                for name in INVOICE_BILLING_FIELDS
                if not billing.get(name, "").strip()
            }
            if missing:
                raise serializers.ValidationError({"billing": missing}, code="required")
        return data

    def to_booking(self) -> dict:
        """Return the validated booking as keyword arguments of `booking_create`."""
        data = self.validated_data
        billing = data.get("billing") or {}
        return {
            "event_id": data["event"].pk,
            "payment_method": data["payment_method"],
            "billing": Billing(
                organisation=billing.get("organisation", "").strip(),
                address=billing.get("address", "").strip(),
                postcode=billing.get("postcode", "").strip().upper(),
                vat_number=billing.get("vat_number", "").strip(),
                purchase_order=data.get("purchase_order", "").strip(),
            ),
            "discount_code": data.get("discount_code") or "",
            "places": [
                PlaceRequest(place["ticket_type"], delegate_details(place))
                for place in data["delegates"]
            ],
        }


class PlaceTransferSerializer(DelegateSerializer):
    """The colleague who takes the place over."""

    def to_delegate(self) -> DelegateDetails:
        return delegate_details(self.validated_data)


# --- Responses --------------------------------------------------------------------


class PlaceSerializer(serializers.ModelSerializer):
    """One delegate's place.

    `ticket_secret` is what the ticket's QR code holds. It is given to the
    booker and to the place's delegate while the place is live, and is null
    otherwise: for a cancelled place, or for someone who has passed the place
    on. Needs `request` in the context.
    """

    ticket_type = serializers.IntegerField(source="ticket_type_id", read_only=True)
    ticket_type_name = serializers.CharField(source="ticket_type.name", read_only=True)
    ticket_secret = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "ticket_type",
            "ticket_type_name",
            "state",
            "ticket_secret",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_ticket_secret(self, registration: Registration) -> str | None:
        user = self.context["request"].user
        if registration.state not in LIVE_STATES:
            return None
        if registration.order.booker_id == user.pk or registration.delegate_id == user.pk:
            return registration.ticket_secret
        return None


class BookingSerializer(serializers.ModelSerializer):
    """A booking: the order and the places it holds, in the order they were booked.

    Amounts are strings with two decimal places, in pounds sterling. Needs
    the order's `event_registrations` prefetched with their event and ticket
    type, and `request` in the context.
    """

    event = serializers.SerializerMethodField()
    status = serializers.ChoiceField(source="state", choices=Order.State.choices, read_only=True)
    created_at = LondonDateTimeField(read_only=True)
    expires_at = LondonDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When an unpaid card booking lets its places go.",
    )
    places = PlaceSerializer(source="event_registrations", many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "reference",
            "event",
            "status",
            "payment_method",
            "purchase_order",
            "total_net",
            "total_vat",
            "total_gross",
            "created_at",
            "expires_at",
            "places",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_event(self, order: Order) -> str:
        places = order.event_registrations.all()
        return places[0].event.slug if places else ""
