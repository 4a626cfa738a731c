"""Discount codes for the discount tests, made through the services as the API makes them."""

import itertools
from decimal import Decimal

from loyalty import services
from loyalty.models import DiscountCode

_numbers = itertools.count(1)


def make_code(account, code: str | None = None, *, type: str = "percentage", value="10", **fields) -> DiscountCode:
    """A code of `account` (10% off everything by default); `fields` are the service's other arguments."""
    return services.discount_code_create(
        account=account,
        code=code or f"CODE{next(_numbers)}",
        type=type,
        value=None if value is None else Decimal(value),
        **fields,
    )
