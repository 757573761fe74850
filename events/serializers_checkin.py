"""Shapes of the check-in API: scans in; answers, attendees and counts out.

Every scan goes through `events.services.checkin.checkin_scan`; these
serializers check the shape of a request and write the answers, nothing more.
Times are in Europe/London with their offset.
"""

from rest_framework import serializers

from events.models import CheckIn, Registration
from events.selectors import CheckInState, ticket_secret_hash
from events.serializers import LondonDateTimeField
from events.services.checkin import Reason, Result, ScanResult

RESULTS = [
    (Result.OK, "Checked in (or out)"),
    (Result.ALREADY_CHECKED_IN, "Already checked in"),
    (Result.NOT_CHECKED_IN, "Not checked in, so cannot leave"),
    (Result.UNKNOWN, "Unknown ticket"),
    (Result.INVALID, "Ticket does not admit"),
]
REASONS = [
    (Reason.CANCELLED, "The place was cancelled"),
    (Reason.UNPAID, "The place is waiting for card payment"),
    (Reason.WRONG_EVENT, "The ticket is for another event"),
    (Reason.TRANSFERRED, "The place was passed on to someone else"),
]


def _result_field(help_text: str = ""):
    # Every answer names its result from the one list, so the schema has one enum.
    return serializers.ChoiceField(choices=RESULTS, help_text=help_text)


# --- Requests ---------------------------------------------------------------------


class CheckInRequestSerializer(serializers.Serializer):
    """One scan: a ticket's secret (from its QR code) or a place found by search."""

    secret = serializers.CharField(
        max_length=200,
        required=False,
        help_text="What the ticket's QR code holds. Send this or `place`.",
    )
    place = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The id of a place found by search, for a delegate without their ticket.",
    )
    nonce = serializers.CharField(
        max_length=64,
        help_text=(
            "The device's own id for this scan, such as a UUID. A scan sent again with "
            "the same nonce (after a dropped connection) is not a second scan: it gets "
            "the first answer again."
        ),
    )
    direction = serializers.ChoiceField(
        choices=CheckIn.Direction.choices, default=CheckIn.Direction.ENTRY
    )
    device = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "For staff signed in as themselves: which device or door this is. "
            "Ignored for a device token, whose label is recorded."
        ),
    )

    def validate(self, data: dict) -> dict:
        if ("secret" in data) == ("place" in data):
            raise serializers.ValidationError(
                "Send either the ticket's `secret` or the `place` id.", code="required"
            )
        return data


# --- Answers to a scan ------------------------------------------------------------


class CheckInPlaceSerializer(serializers.Serializer):
    """The delegate the scan is about, as the door shows them.

    `checkin_id` and `checked_in_at` are the scan that the answer is about:
    the one just made for `ok` (undo it with its id), the entry that let them
    in for `already_checked_in`; null otherwise.
    """

    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    job_title = serializers.CharField()
    organisation = serializers.CharField()
    ticket_type = serializers.CharField()
    access_needs = serializers.CharField()
    state = serializers.ChoiceField(choices=Registration.State.choices)
    checkin_id = serializers.IntegerField(allow_null=True)
    checked_in_at = LondonDateTimeField(allow_null=True)


class CheckInOkSerializer(serializers.Serializer):
    result = _result_field("`ok`")
    direction = serializers.ChoiceField(choices=CheckIn.Direction.choices)
    place = CheckInPlaceSerializer()


class CheckInAlreadySerializer(serializers.Serializer):
    result = _result_field("`already_checked_in`")
    checked_in_at = LondonDateTimeField(help_text="When the entry that let them in was made.")
    by = serializers.CharField(
        help_text="Who let them in: the staff member's name, or else the device's label."
    )
    device = serializers.CharField(help_text="The device or door of that entry, if known.")
    place = CheckInPlaceSerializer()


class CheckInNotInSerializer(serializers.Serializer):
    result = _result_field("`not_checked_in`: an exit for someone who is not in.")
    place = CheckInPlaceSerializer()


class CheckInUnknownSerializer(serializers.Serializer):
    result = _result_field("`unknown`: no ticket has that secret.")


class CheckInInvalidSerializer(serializers.Serializer):
    result = _result_field("`invalid`")
    reason = serializers.ChoiceField(choices=REASONS)
    place = CheckInPlaceSerializer(required=False, help_text="The place, when it is known.")


def _who(checkin: CheckIn) -> str:
    if checkin.by is not None:
        return checkin.by.full_name or checkin.by.email
    return checkin.device


def _place(registration: Registration, checkin: CheckIn | None) -> dict:
    return {
        "id": registration.pk,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "job_title": registration.job_title,
        "organisation": registration.organisation,
        "ticket_type": registration.ticket_type.name,
        "access_needs": registration.access_needs,
        "state": registration.state,
        "checkin_id": checkin.pk if checkin else None,
        "checked_in_at": checkin.scanned_at if checkin else None,
    }


def scan_answer(scan: ScanResult) -> tuple[int, dict]:
    """Return the HTTP status and the body that answer a scan."""
    registration = scan.registration
    if scan.result == Result.OK:
        body = {
            "result": scan.result,
            "direction": scan.checkin.direction,
            "place": _place(registration, scan.checkin),
        }
        return 201, CheckInOkSerializer(body).data
    if scan.result == Result.ALREADY_CHECKED_IN:
        previous = scan.previous
        body = {
            "result": scan.result,
            "checked_in_at": previous.scanned_at,
            "by": _who(previous),
            "device": previous.device,
            "place": _place(registration, previous),
        }
        return 200, CheckInAlreadySerializer(body).data
    if scan.result == Result.NOT_CHECKED_IN:
        body = {"result": scan.result, "place": _place(registration, None)}
        return 200, CheckInNotInSerializer(body).data
    if scan.result == Result.INVALID:
        body = {"result": scan.result, "reason": scan.reason}
        # Another event's delegate, or the new holder of a passed-on ticket, is
        # none of this door's business: their details stay out of the answer.
        own = scan.reason in {Reason.CANCELLED, Reason.UNPAID}
        if registration is not None and own:
            body["place"] = _place(registration, None)
        return 409, CheckInInvalidSerializer(body).data
    return 404, CheckInUnknownSerializer({"result": Result.UNKNOWN}).data


class CheckInUndoneSerializer(serializers.Serializer):
    """A scan taken back, and where its place stands now."""

    checkin_id = serializers.IntegerField(source="pk")
    direction = serializers.ChoiceField(choices=CheckIn.Direction.choices)
    scanned_at = LondonDateTimeField()
    undone_at = LondonDateTimeField()
    place_id = serializers.IntegerField(source="registration_id")


# --- Attendees and counts ----------------------------------------------------------


class AttendeeSerializer(serializers.ModelSerializer):
    """A place at the event and where it stands at the door.

    Needs places from `events.selectors.checkin_attendees`.
    """

    ticket_type = serializers.CharField(source="ticket_type.name")
    booking_reference = serializers.CharField(source="order.reference")
    checkin_state = serializers.ChoiceField(
        choices=CheckInState.choices,
        help_text="`in` (last scan an entry), `out` (last scan an exit) or `never`.",
    )
    checked_in = serializers.SerializerMethodField(help_text="Whether they are in now.")
    last_scan_at = LondonDateTimeField(allow_null=True)
    first_entry_at = LondonDateTimeField(allow_null=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "organisation",
            "ticket_type",
            "access_needs",
            "state",
            "booking_reference",
            "checkin_state",
            "checked_in",
            "last_scan_at",
            "first_entry_at",
        ]
        read_only_fields = fields

    def get_checked_in(self, registration: Registration) -> bool:
        return registration.checkin_state == CheckInState.IN


class OfflinePlaceSerializer(serializers.ModelSerializer):
    """A place as the desk keeps it for scanning and searching offline.

    No email address and never the ticket secret: only its SHA-256
    (`secret_sha256`, lower-case hex of the UTF-8 secret), to compare with
    what the camera reads.
    """

    ticket_type = serializers.CharField(source="ticket_type.name")
    booking_reference = serializers.CharField(source="order.reference")
    checkin_state = serializers.ChoiceField(choices=CheckInState.choices)
    checked_in = serializers.SerializerMethodField()
    secret_sha256 = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "first_name",
            "last_name",
            "job_title",
            "organisation",
            "ticket_type",
            "access_needs",
            "state",
            "booking_reference",
            "checkin_state",
            "checked_in",
            "secret_sha256",
        ]
        read_only_fields = fields

    def get_checked_in(self, registration: Registration) -> bool:
        return registration.checkin_state == CheckInState.IN

    def get_secret_sha256(self, registration: Registration) -> str:
        return ticket_secret_hash(registration.ticket_secret)


class RetiredSecretSerializer(serializers.Serializer):
    """A secret that no longer admits anyone, so an offline scan can say why."""

    secret_sha256 = serializers.SerializerMethodField()
    reason = serializers.ChoiceField(choices=REASONS)
    place_id = serializers.IntegerField(source="registration_id")

    def get_secret_sha256(self, retired) -> str:
        return ticket_secret_hash(retired.secret)


class OfflineListSerializer(serializers.Serializer):
    """Every place of the event, in any state, for the desk to keep offline."""

    event = serializers.CharField(help_text="The event's slug.")
    generated_at = LondonDateTimeField(help_text="When the list was made.")
    count = serializers.IntegerField()
    places = OfflinePlaceSerializer(many=True)
    retired_secrets = RetiredSecretSerializer(many=True)


# "in" is a Python keyword, so this serializer is built rather than declared.
CheckInSummarySerializer = type(
    "CheckInSummarySerializer",
    (serializers.Serializer,),
    {
        "__doc__": "How many are in the room, expected and have come.",
        "__module__": __name__,
        "in": serializers.IntegerField(
            source="inside", help_text="Places whose last scan was an entry."
        ),
        "expected": serializers.IntegerField(help_text="Confirmed places."),
        "checked_in_ever": serializers.IntegerField(
            help_text="Places that have come in at least once."
        ),
    },
)
