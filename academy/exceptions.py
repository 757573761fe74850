"""Why an application, enrolment or certificate change was refused, in plain words."""

from core.exceptions import Conflict, DomainError, NotAllowed


class AcademyError(DomainError):
    """That cannot be done."""

    code = "academy_error"


class ApplicationsClosed(Conflict):
    """This cohort is not taking applications."""

    code = "applications_closed"


class AlreadyApplied(Conflict):
    """You have already applied for this cohort."""

    code = "already_applied"


class CohortFull(Conflict):
    """There are no places left on this cohort."""

    code = "cohort_full"


class WrongState(Conflict):
    """The application is not in a state that allows this."""

    code = "wrong_state"


class OfferExpired(Conflict):
    """The offer of a place has expired."""

    code = "offer_expired"


class InvalidSponsorLink(AcademyError):
    """This link is not valid."""

    code = "invalid_sponsor_link"


class ExpiredSponsorLink(InvalidSponsorLink):
    """This link has expired."""

    code = "expired_sponsor_link"


class NotEnrolled(NotAllowed):
    """This person is not enrolled on the cohort."""

    code = "not_enrolled"


class CompletionNotMet(Conflict):
    """The delegate has not met the programme's completion rule."""

    code = "completion_not_met"
