from omnisales.api.errors import ApplicationError, ConflictError, ForbiddenError, ValidationFailed


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "INVALID_CREDENTIALS"


class DuplicateEmail(ConflictError):
    code = "DUPLICATE_EMAIL"


class ScopeNotAllowed(ForbiddenError):
    code = "INSUFFICIENT_SCOPE"


__all__ = ["DuplicateEmail", "InvalidCredentials", "ScopeNotAllowed", "ValidationFailed"]
