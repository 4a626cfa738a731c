"""Discount codes on orders.

Codes, their rules and their redemptions belong to the loyalty app, which sits above orders (it imports
them; orders never import it). So orders only ask: loyalty registers a `DiscountHandler` when it starts
(loyalty.apps), and `order_create` calls it for an order placed with `discountCode`, in the order's
transaction:

1. `price(...)` — before the order is written: checks the code against the order (unknown code: 404;
   inapplicable: 422 with the reason) and says what it takes off each line and off shipping;
2. `claim(order)` — once the order row exists, late in the transaction: records the redemption, with
   the code's usage limits enforced under concurrency (a limit reached meanwhile is a 422 and the whole
   order rolls back);
3. `release(order)` — when the order is cancelled, in the cancel's transaction: the redemption no longer
   counts against the limits.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DiscountLine:
    """One line of the order being priced."""

    product_id: str
    variant_id: str
    category_id: str | None
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class DiscountPrice:
    code: str  # as the account spelled it when it was created
    line_discounts: list[Decimal]  # one per line, in the lines' order
    shipping_discount: Decimal = Decimal("0.00")
    context: dict = field(default_factory=dict)  # what claim() needs again (the code's id)


class DiscountHandler(Protocol):
    def price(
        self, *, account, customer, code: str, lines: Sequence[DiscountLine], shipping: Decimal
    ) -> DiscountPrice: ...

    def claim(self, *, order, price: DiscountPrice) -> None: ...

    def release(self, *, order) -> None: ...


_handler: DiscountHandler | None = None


def register(handler: DiscountHandler) -> None:
    global _handler
    _handler = handler


def handler() -> DiscountHandler:
    if _handler is None:
        raise ImproperlyConfigured("No discount handler registered: the loyalty app registers it when it starts.")
    return _handler
