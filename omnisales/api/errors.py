"""Domain errors. Services raise these; the one exception handler renders them as the envelope."""

UNKNOWN_FIELD = "Unknown field."  # the message for a request body field no endpoint takes


class ApplicationError(Exception):
    status_code = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, details=None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


class NotFoundError(ApplicationError):
    status_code = 404
    code = "NOT_FOUND"


class ConflictError(ApplicationError):
    status_code = 409
    code = "CONFLICT"


class ValidationFailed(ApplicationError):
    """422 with `details` a map of field -> list of messages."""

    status_code = 422
    code = "VALIDATION_ERROR"


class ForbiddenError(ApplicationError):
    status_code = 403
    code = "FORBIDDEN"


class ServiceUnavailableError(ApplicationError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"


class PaymentRequiredError(ApplicationError):
    status_code = 402
    code = "PAYMENT_FAILED"


def not_found_code(model) -> str:
    return model._meta.verbose_name.upper().replace(" ", "_") + "_NOT_FOUND"


def not_found(model, object_id) -> NotFoundError:
    name = model._meta.verbose_name
    return NotFoundError(
        f"{name[0].upper()}{name[1:]} not found",
        code=not_found_code(model),
        details=f"No {name} exists with ID: {object_id}",
    )
