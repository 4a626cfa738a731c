from omnisales.api.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PaymentRequiredError,
    ServiceUnavailableError,
    ValidationFailed,
)


class PaymentsNotConfigured(ServiceUnavailableError):
    code = "PAYMENTS_NOT_CONFIGURED"


class PaymentProviderUnavailable(ServiceUnavailableError):
    code = "PAYMENT_PROVIDER_UNAVAILABLE"


class PaymentProviderError(ApplicationError):
    """Stripe refused a request this code built (a bug or an account setting), not the caller's input."""

    status_code = 502
    code = "PAYMENT_PROVIDER_ERROR"


class PaymentFailed(PaymentRequiredError):
    """The card was declined. `payment_intent` is Stripe's PaymentIntent as the decline left it."""

    code = "PAYMENT_FAILED"

    def __init__(self, message: str, *, payment_intent: dict | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.payment_intent = payment_intent or {}


class ProviderRejectedRequest(ValidationFailed):
    """Stripe rejected a parameter (`param`); services map it to the API field that carried it."""

    code = "PAYMENT_REQUEST_REJECTED"

    def __init__(self, message: str, *, param: str | None, stripe_code: str | None, **kwargs):
        super().__init__(message, **kwargs)
        self.param = param
        self.stripe_code = stripe_code


class PaymentNotRefundable(ConflictError):
    code = "PAYMENT_NOT_REFUNDABLE"


class RefundExceedsCaptured(ConflictError):
    code = "REFUND_EXCEEDS_CAPTURED"


class PlanNotFound(NotFoundError):
    code = "PLAN_NOT_FOUND"


class PlanNotAvailable(ConflictError):
    code = "PLAN_NOT_AVAILABLE"


class AlreadySubscribed(ConflictError):
    code = "ALREADY_SUBSCRIBED"


class SubscriptionNotCancelable(ConflictError):
    code = "SUBSCRIPTION_NOT_CANCELABLE"


class InvalidSignature(ApplicationError):
    status_code = 400
    code = "INVALID_SIGNATURE"


class MalformedEvent(ApplicationError):
    status_code = 400
    code = "MALFORMED_EVENT"
