"""Domain errors of the returns and reviews app, each with a stable code (see docs/returns.md)."""

from omnisales.api.errors import ConflictError, ValidationFailed
from orders.exceptions import RefundExceedsPaid


class OrderNotReturnable(ConflictError):
    """Only shipped or delivered orders take returns (details {status})."""

    code = "ORDER_NOT_RETURNABLE"


class InvalidReturnTransition(ConflictError):
    """Not an allowed move of the return's status (details {from, to, allowed})."""

    code = "INVALID_RETURN_TRANSITION"


class ReturnNotRefundable(ConflictError):
    """Only a received (or already partly refunded) return is refunded; nothing of its value may be left."""

    code = "RETURN_NOT_REFUNDABLE"


class RefundInProgress(ConflictError):
    """The order has a refund waiting for the payment provider (details {refundId, amount, returnId})."""

    code = "REFUND_IN_PROGRESS"


class DuplicateReview(ConflictError):
    """A customer reviews a product once (details {reviewId})."""

    code = "DUPLICATE_REVIEW"


__all__ = [
    "DuplicateReview",
    "InvalidReturnTransition",
    "OrderNotReturnable",
    "RefundExceedsPaid",
    "RefundInProgress",
    "ReturnNotRefundable",
    "ValidationFailed",
]
