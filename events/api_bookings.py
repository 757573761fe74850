"""The bookings API: book places, see your bookings, cancel them, pass a place on.

Every booking goes through `events.services.booking.booking_create`, as the
web flow's do, and every change of a place through `events.services.places`.
Domain errors (sold out, members only, closed...) become `{"detail", "code"}`
with their status in `core.api.exception_handler`.

Only the booker sees a booking: anyone else's is 404, never 403. An unknown
event slug in a booking is a 400 with an error on `event`, as it is a field of
the body, not part of the URL.
"""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Registration
from events.serializers_bookings import (
    BookingCreateSerializer,
    BookingSerializer,
    ErrorSerializer,
    PlaceSerializer,
    PlaceTransferSerializer,
    ValidationErrorSerializer,
)
from events.services.booking import booking_create
from events.services.places import booking_cancel, registration_transfer
from payments.models import Order

TAGS = ["bookings"]


def _error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


UNAUTHENTICATED = _error("No valid token or session: send `Authorization: Token <token>`.")
NOT_FOUND = _error("There is no such booking, or it is someone else's.")


# --- Reads (the API's own: the web pages have theirs) ------------------------------


def bookings_of(*, user) -> QuerySet[Order]:
    """Return the event bookings the user made, newest first, with their places."""
    places = Registration.objects.select_related("event", "ticket_type").order_by("pk")
    return (
        Order.objects.filter(booker=user)
        .filter(Exists(Registration.objects.filter(order=OuterRef("pk"))))
        .prefetch_related(Prefetch("event_registrations", queryset=places))
        .order_by("-created_at", "-pk")
    )


def booking_get(*, user, reference: str) -> Order:
    """Return the user's booking with that reference; raise Http404 for anyone else's."""
    return get_object_or_404(bookings_of(user=user), reference=reference.strip().upper())


def place_get_for_transfer(*, user, pk: int) -> Registration:
    """Return a place that the user may pass on: as its booker or as its delegate.

    The delegate is the place's account, or whoever has verified its email
    address. Raise Http404 for anyone else.
    """
    registration = get_object_or_404(
        Registration.objects.select_related("event", "ticket_type", "order"), pk=pk
    )
    if registration.order.booker_id == user.pk or registration.delegate_id == user.pk:
        return registration
    if EmailAddress.objects.filter(
        user=user, verified=True, email__iexact=registration.email
    ).exists():
        return registration
    raise Http404("No such place.")


# --- Views ------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="List your bookings",
        responses={200: BookingSerializer(many=True), 401: UNAUTHENTICATED},
        tags=TAGS,
    ),
)
class BookingListCreateView(generics.ListAPIView):
    """List the bookings you made, newest first; or book places at an event."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = BookingSerializer

    def get_queryset(self):
        return bookings_of(user=self.request.user)

    @extend_schema(
        summary="Book places at an event",
        description=(
            "Book one place per delegate, with the same rules as the booking pages. "
            "Invoice and free bookings are confirmed at once; a card booking holds its "
            "places, pending, until it is paid or expires."
        ),
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            400: _error(
                "The request has errors (see `errors`), or the booking breaks a rule: "
                "`ticket_unavailable`, `too_many_places`, `invalid_discount_code`.",
                ValidationErrorSerializer,
            ),
            401: UNAUTHENTICATED,
            403: _error("`members_only`: the event or a ticket is for members only."),
            409: _error(
                "`sold_out`: not enough places left; `registration_closed`; "
                "`discount_code_used_up`."
            ),
        },
        tags=TAGS,
    )
    def post(self, request):
        serializer = BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = serializer.to_booking()
        user = request.user
        order = booking_create(
            booker=user,
            booker_name=user.full_name or user.email,
            booker_email=user.email,
            **booking,
        )
        order = booking_get(user=user, reference=order.reference)
        location = reverse("api-booking-detail", kwargs={"reference": order.reference})
        return Response(
            self.get_serializer(order).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class BookingDetailView(generics.RetrieveAPIView):
    """Show one of your bookings, with its places and their ticket secrets."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = BookingSerializer

    def get_object(self) -> Order:
        return booking_get(user=self.request.user, reference=self.kwargs["reference"])

    @extend_schema(
        summary="Show one of your bookings",
        responses={200: BookingSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BookingCancelView(APIView):
    """Cancel every place of one of your bookings that is still live."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Cancel a booking",
        description=(
            "Cancel every place of the booking that is not cancelled yet, inside the event's "
            "cancellation policy. After the cut-off nothing is cancelled and the answer is "
            "409 `change_not_allowed`. Refunds and credit notes follow separately."
        ),
        request=None,
        responses={
            200: BookingSerializer,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: _error("`change_not_allowed`: past the cut-off, or nothing left to cancel."),
        },
        tags=TAGS,
    )
    def post(self, request, reference: str):
        booking_cancel(order=booking_get(user=request.user, reference=reference))
        order = booking_get(user=request.user, reference=reference)
        return Response(BookingSerializer(order, context={"request": request}).data)


class PlaceTransferView(APIView):
    """Pass a place on to a colleague, who gets a new ticket."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Transfer a place to a colleague",
        description=(
            "The booker of the place, or its delegate, may pass it on before the event's "
            "cut-off. The place gets a new ticket secret and the old ticket stops working. "
            "The new secret is returned to the booker only."
        ),
        request=PlaceTransferSerializer,
        responses={
            200: PlaceSerializer,
            400: _error("The request has errors; see `errors`.", ValidationErrorSerializer),
            401: UNAUTHENTICATED,
            404: _error("There is no such place, or it is neither yours nor one you booked."),
            409: _error(
                "`change_not_allowed`: past the cut-off, cancelled, or already that person's."
            ),
        },
        tags=TAGS,
    )
    def post(self, request, pk: int):
        registration = place_get_for_transfer(user=request.user, pk=pk)
        serializer = PlaceTransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = registration_transfer(
            registration=registration, to=serializer.to_delegate()
        )
        return Response(PlaceSerializer(registration, context={"request": request}).data)
