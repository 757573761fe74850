"""Domain errors of badges."""

from core.exceptions import DomainError


class NothingToPrint(DomainError):
    """No confirmed places match these choices."""

    code = "nothing_to_print"


class UnknownLayout(DomainError):
    """There is no such badge layout."""

    code = "unknown_layout"
