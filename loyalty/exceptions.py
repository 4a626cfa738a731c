"""Errors of the discounts and loyalty services (code and status; rendered in the error envelope)."""

from omnisales.api.errors import ConflictError, NotFoundError, ValidationFailed

# --- discounts ------------------------------------------------------------------------------------------


class DiscountCodeNotFound(NotFoundError):
    """A code (by its text, any case) the account does not have: validate and order placement."""

    code = "DISCOUNT_CODE_NOT_FOUND"


class DiscountNotApplicable(ValidationFailed):
    """The code exists but cannot apply to this order; `details`: {code, reason} with reason one of
    inactive, not_started, expired, below_minimum, exhausted, customer_limit_reached, not_applicable_items,
    currency_mismatch."""

    code = "DISCOUNT_NOT_APPLICABLE"


class DiscountCodeExists(ConflictError):
    """Codes are unique per account whatever their case; `details`: {code, id}."""

    code = "DISCOUNT_CODE_EXISTS"


class DiscountCodeInUse(ConflictError):
    """A code with redemptions cannot be deleted (its history would go): deactivate it instead."""

    code = "DISCOUNT_CODE_IN_USE"


# --- loyalty --------------------------------------------------------------------------------------------


class LoyaltyProgramActive(ConflictError):
    """An account runs one active program at a time; `details`: {activeProgramId}."""

    code = "LOYALTY_PROGRAM_ACTIVE"


class NoActiveLoyaltyProgram(ConflictError):
    """Points cannot be earned or redeemed without an active program."""

    code = "NO_ACTIVE_LOYALTY_PROGRAM"


class InsufficientPoints(ValidationFailed):
    """`details`: {requested, balance}. Nothing is written."""

    code = "INSUFFICIENT_POINTS"


class BelowMinimumRedemption(ValidationFailed):
    """`details`: {requested, minimum}."""

    code = "BELOW_MINIMUM_REDEMPTION"


class DiscountNotCombinable(ValidationFailed):
    """Points cannot be redeemed on an order whose discount code is not combinable."""

    code = "DISCOUNT_NOT_COMBINABLE"


class LoyaltyProgramInUse(ConflictError):
    """The active program cannot be deleted (earning and redemption run on it): deactivate it first;
    `details`: {id}."""

    code = "LOYALTY_PROGRAM_IN_USE"
