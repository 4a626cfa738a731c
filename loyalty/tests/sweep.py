"""Routes of this app that take an id, and how to make such an object for an account: a discount code limited
to a product and a category, redeemed on an order (so its redemptions list has a row); the account's active
loyalty program with tiers (and one more inactive program each call), and a member who earned points on a
delivered order and got a manual adjustment (so the ledger has rows)."""

import itertools
from decimal import Decimal

from loyalty import services
from loyalty.models import LoyaltyProgram
from omnisales.testing.factories import CategoryFactory, CustomerFactory, place_order, product_in_stock
from orders import services as order_services

_numbers = itertools.count(1)


def _discount_id(account):
    product = product_in_stock(account, price=Decimal("20.00"))
    discount = services.discount_code_create(
        account=account,
        code=f"SWEPT-{next(_numbers)}",
        type="percentage",
        value=Decimal("10"),
        applies_to="products",
        products=[product],
    )
    services.discount_code_create(
        account=account,
        code=f"SWEPT-CAT-{next(_numbers)}",
        type="fixed_amount",
        value=Decimal("5"),
        applies_to="categories",
        categories=[CategoryFactory(account=account)],
    )
    place_order(account, products=[product], discount_code=discount.code)
    return {"discountId": discount.pk}


DISCOUNT_SWEEP = {
    "discount-code-detail": _discount_id,
    "discount-code-redemptions": _discount_id,
}


def _loyalty_program(account):
    """The account's active program (made by the first call), and one more inactive program each call."""
    active = LoyaltyProgram.objects.filter(account=account, active=True).first()
    if active is None:
        active = services.loyalty_program_create(account=account, name="Swept rewards", expiry_months=12, tiers=TIERS)
    services.loyalty_program_create(account=account, name=f"Swept old {next(_numbers)}", active=False, tiers=TIERS)
    return active


def _loyalty_member(account):
    _loyalty_program(account)
    customer = CustomerFactory(account=account)
    order = place_order(account, customer=customer, products=[product_in_stock(account, price=Decimal("30.00"))])
    for status in ("processing", "shipped", "delivered"):
        order = order_services.order_transition(order=order, to_status=status)
    services.points_earn(order=order)
    services.points_adjust(account=account, customer=customer, points=5, note="Swept")
    return customer


def _program_id(account):
    return {"programId": _loyalty_program(account).pk}


def _customer_id(account):
    return {"customerId": _loyalty_member(account).pk}


TIERS = [
    {"name": "Silver", "threshold": Decimal("10"), "multiplier": Decimal("1.5")},
    {"name": "Gold", "threshold": Decimal("1000"), "multiplier": Decimal("2")},
]
LOYALTY_SWEEP = {
    "loyalty-program-detail": _program_id,
    "loyalty-member-detail": _customer_id,
    "loyalty-member-transactions": _customer_id,
}

SWEEP = {**DISCOUNT_SWEEP, **LOYALTY_SWEEP}
