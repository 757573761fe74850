"""The base of every domain error the services raise."""


class DomainError(Exception):
    """A rule of the domain refused the request.

    `code` is a short machine-readable string for the API; the message is a
    sentence a user can read.
    """

    code = "invalid"
    status_code = 400

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message or self.__doc__ or "")
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class NotAllowed(DomainError):
    """You are not allowed to do that."""

    code = "not_allowed"
    status_code = 403


class Conflict(DomainError):
    """That cannot be done in the current state."""

    code = "conflict"
    status_code = 409
