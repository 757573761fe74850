"""The check-in API: scans at the door, the attendee list and counts, for one event.

Event staff (who may change places) use it with their session or API token;
a phone or kiosk uses a device token that staff issue for one event
(`Authorization: Device <token>`, see events/checkin_auth.py). Every scan
goes through `events.services.checkin.checkin_scan`.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from events.checkin_auth import CanCheckIn, DeviceAuthentication, request_device
from events.selectors import (
    checkin_attendees,
    checkin_counts,
    checkin_event_get,
    checkin_get,
    checkin_offline_places,
    checkin_place_secret,
    checkin_retired_secrets,
)
from events.serializers_bookings import ErrorSerializer, ValidationErrorSerializer
from events.serializers_checkin import (
    AttendeeSerializer,
    CheckInAlreadySerializer,
    CheckInInvalidSerializer,
    CheckInNotInSerializer,
    CheckInOkSerializer,
    CheckInRequestSerializer,
    CheckInSummarySerializer,
    CheckInUndoneSerializer,
    CheckInUnknownSerializer,
    OfflineListSerializer,
    scan_answer,
)
from events.services.checkin import Result, ScanResult, checkin_scan, checkin_undo

TAGS = ["check-in"]
SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)

UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer,
    description="No credentials, or a device token that is unknown or revoked.",
)
FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="You are not event staff, or the device token is for another event.",
)
NO_EVENT = OpenApiResponse(ErrorSerializer, description="There is no such event.")


class _CheckInAPIView(APIView):
    authentication_classes = [DeviceAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [CanCheckIn]

    def device_label(self, fallback: str = "") -> str:
        device = request_device(self.request)
        return device.label if device else fallback

    def scanned_by(self):
        user = self.request.user
        return user if user.is_authenticated else None


class CheckInCreateView(_CheckInAPIView):
    @extend_schema(
        summary="Check a delegate in or out",
        description=(
            "Record one scan of a ticket at the event's door, by the ticket's `secret` "
            "or by a `place` id found by search. Two devices scanning the same ticket at "
            "once get one `ok` and one `already_checked_in`. A `nonce` sent before is the "
            "same scan: it gets the first answer again and records nothing."
        ),
        parameters=[SLUG],
        request=CheckInRequestSerializer,
        responses={
            201: OpenApiResponse(
                CheckInOkSerializer, description="`ok`: checked in (or out) by this scan."
            ),
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="CheckInNoChange",
                    serializers={
                        "already_checked_in": CheckInAlreadySerializer,
                        "not_checked_in": CheckInNotInSerializer,
                    },
                    resource_type_field_name="result",
                ),
                description="Nothing recorded: `already_checked_in`, or `not_checked_in` "
                "for an exit.",
            ),
            400: OpenApiResponse(ValidationErrorSerializer, description="The request has errors."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(
                CheckInUnknownSerializer,
                description="`unknown`: no ticket has that secret, or the event has no such "
                "place. An unknown event slug answers `{detail, code}`.",
            ),
            409: OpenApiResponse(
                CheckInInvalidSerializer,
                description="`invalid`: the ticket does not admit; see `reason`.",
            ),
        },
        tags=TAGS,
    )
    def post(self, request, slug):
        event = checkin_event_get(slug=slug)
        serializer = CheckInRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        secret = data.get("secret")
        if secret is None:
            secret = checkin_place_secret(event=event, place_id=data["place"])
        if secret is None:
            scan = ScanResult(Result.UNKNOWN)
        else:
            scan = checkin_scan(
                event=event,
                secret=secret,
                nonce=data["nonce"],
                direction=data["direction"],
                by=self.scanned_by(),
                device=self.device_label(fallback=data["device"]),
            )
        status, body = scan_answer(scan)
        return Response(body, status=status)


class CheckInUndoView(_CheckInAPIView):
    @extend_schema(
        summary="Undo a scan",
        description="Take back a scan made by mistake, within a minute of it.",
        request=None,
        responses={
            200: CheckInUndoneSerializer,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorSerializer, description="There is no such scan."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`change_not_allowed`: more than a minute has passed, or it "
                "was undone already.",
            ),
        },
        tags=TAGS,
    )
    def post(self, request, pk):
        # A device only ever finds its own event's scans; staff find any.
        device = request_device(request)
        checkin = checkin_get(pk=pk, event=device.event if device else None)
        checkin = checkin_undo(checkin=checkin)
        return Response(CheckInUndoneSerializer(checkin).data)


class AttendeeListView(_CheckInAPIView, generics.ListAPIView):
    serializer_class = AttendeeSerializer

    @extend_schema(
        summary="Search the event's attendees",
        description=(
            "Every place at the event, in any state, by surname, with where it stands "
            "at the door. `q` matches every word against name, email, organisation and "
            "booking reference."
        ),
        parameters=[
            SLUG,
            OpenApiParameter("q", OpenApiTypes.STR, description="Words to search for."),
        ],
        responses={200: AttendeeSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def get_queryset(self):
        event = checkin_event_get(slug=self.kwargs["slug"])
        search = self.request.query_params.get("q", "")[:100]
        return checkin_attendees(event=event, search=search)


class OfflineAttendeeListView(_CheckInAPIView):
    @extend_schema(
        summary="Download the attendee list to keep offline",
        description=(
            "Every place at the event, in any state, with the SHA-256 of its ticket "
            "secret (never the secret), and the hashes of secrets that no longer admit. "
            "The desk keeps it to search and scan when the connection drops."
        ),
        parameters=[SLUG],
        responses={200: OfflineListSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request, slug):
        event = checkin_event_get(slug=slug)
        generated_at = timezone.now()
        places = list(checkin_offline_places(event=event))
        body = {
            "event": event.slug,
            "generated_at": generated_at,
            "count": len(places),
            "places": places,
            "retired_secrets": checkin_retired_secrets(event=event),
        }
        response = Response(OfflineListSerializer(body).data)
        # Personal data for one device's storage, not for shared caches.
        response["Cache-Control"] = "private, no-store"
        return response


class CheckInSummaryView(_CheckInAPIView):
    @extend_schema(
        summary="Count who is in",
        parameters=[SLUG],
        responses={200: CheckInSummarySerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request, slug):
        event = checkin_event_get(slug=slug)
        return Response(CheckInSummarySerializer(checkin_counts(event=event)).data)
