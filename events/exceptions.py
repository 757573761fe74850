"""Why a booking or a change to a place was refused, in words a booker understands."""

from core.exceptions import Conflict, DomainError, NotAllowed


class BookingError(DomainError):
    """The booking could not be made."""

    code = "booking_error"


class SoldOut(Conflict):
    """There are not enough places left."""

    code = "sold_out"


class RegistrationClosed(Conflict):
    """Registration for this event is not open."""

    code = "registration_closed"


class MembersOnly(NotAllowed):
    """Only members can book this."""

    code = "members_only"


class TicketUnavailable(BookingError):
    """That ticket is not on sale."""

    code = "ticket_unavailable"


class TooManyPlaces(BookingError):
    """Too many places of one ticket in one booking."""

    code = "too_many_places"


class InvalidDiscountCode(BookingError):
    """That discount code cannot be used for this booking."""

    code = "invalid_discount_code"


class DiscountCodeUsedUp(Conflict):
    """That discount code has been used as many times as it may be."""

    code = "discount_code_used_up"


class InvalidOffer(Conflict):
    """That waiting-list offer cannot be used."""

    code = "invalid_offer"


class ChangeNotAllowed(Conflict):
    """That place can no longer be changed."""

    code = "change_not_allowed"


class NotOnWaitingList(DomainError):
    code = "not_on_waiting_list"
