"""Domain errors of the customers app, each with a stable code (see docs/customers.md)."""

from omnisales.api.errors import ConflictError, ValidationFailed


class DuplicateEmail(ConflictError):
    code = "DUPLICATE_EMAIL"


class DuplicateSegmentName(ConflictError):
    code = "DUPLICATE_SEGMENT_NAME"


class CustomerAnonymized(ConflictError):
    """The customer was deleted (anonymized): it stays for order history but cannot change or order."""

    code = "CUSTOMER_ANONYMIZED"


class SegmentReadOnly(ConflictError):
    """RFM segments are computed; only merchant-defined segments can be changed or deleted."""

    code = "SEGMENT_READ_ONLY"


class CustomerStatsConflict(ConflictError):
    """A reversal or refund that does not fit the recorded stats: the caller's bookkeeping is off."""

    code = "CUSTOMER_STATS_CONFLICT"


__all__ = [
    "CustomerAnonymized",
    "CustomerStatsConflict",
    "DuplicateEmail",
    "DuplicateSegmentName",
    "SegmentReadOnly",
    "ValidationFailed",
]
