from rest_framework.exceptions import Throttled

from omnisales.api.errors import ApplicationError, ConflictError, ForbiddenError, ValidationFailed


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "INVALID_CREDENTIALS"


class DuplicateEmail(ConflictError):
    code = "DUPLICATE_EMAIL"


class ScopeNotAllowed(ForbiddenError):
    code = "INSUFFICIENT_SCOPE"


class TooManyLoginAttempts(Throttled):
    """429 with Retry-After: the email or the client address is locked out after repeated failures."""

    error_code = "TOO_MANY_LOGIN_ATTEMPTS"

    def __init__(self, wait: int):
        super().__init__(wait=wait, detail="Too many failed login attempts; try again later")


__all__ = ["DuplicateEmail", "InvalidCredentials", "ScopeNotAllowed", "TooManyLoginAttempts", "ValidationFailed"]
