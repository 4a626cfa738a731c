"""Domain errors of the orders app, each with a stable code (documented in docs/orders.md)."""

from omnisales.api.errors import ConflictError, NotFoundError, ValidationFailed


class ProductsNotFound(NotFoundError):
    """A productId in the body is unknown or another account's (they look the same)."""

    code = "PRODUCT_NOT_FOUND"


class ProductNotAvailable(ValidationFailed):
    """Only active products can be ordered; `details.productIds` lists the others."""

    code = "PRODUCT_NOT_AVAILABLE"


class InvalidStatusTransition(ConflictError):
    """`details`: {from, to, allowed}."""

    code = "INVALID_STATUS_TRANSITION"


class OrderNotPayable(ConflictError):
    """Payments cannot be recorded against a cancelled or refunded order."""

    code = "ORDER_NOT_PAYABLE"


class PaymentExceedsBalance(ConflictError):
    """`details`: {amount, balance}."""

    code = "PAYMENT_EXCEEDS_BALANCE"


class RefundExceedsPaid(ConflictError):
    """`details`: {amount, refundable}."""

    code = "REFUND_EXCEEDS_PAID"


class PaymentReferenceConflict(ConflictError):
    """The provider reference was already recorded with a different amount, order or status change."""

    code = "PAYMENT_REFERENCE_CONFLICT"


class ShippingLocked(ConflictError):
    """The address cannot change once the order has shipped, and nothing can change on a cancelled order."""

    code = "SHIPPING_LOCKED"


__all__ = [
    "InvalidStatusTransition",
    "OrderNotPayable",
    "PaymentExceedsBalance",
    "PaymentReferenceConflict",
    "ProductNotAvailable",
    "ProductsNotFound",
    "RefundExceedsPaid",
    "ShippingLocked",
    "ValidationFailed",
]


class OrderNotDiscountable(ConflictError):
    """A discount can be added to a pending or processing order only, and not below what was paid."""

    code = "ORDER_NOT_DISCOUNTABLE"
