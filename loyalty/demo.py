"""Demo data: a few discount codes (a running percentage code, free shipping over a minimum, a fixed amount
that has expired, a batch of single-use codes) and a loyalty program with three tiers whose members earned
their points from the demo store's delivered orders.

Everything goes through the services, so the ledger, the balances and the tiers follow the same rules as the
API. Deterministic; skipped when the account already has codes or a program.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from orders.models import Order, OrderStatus

from . import services
from .models import DiscountCode, LoyaltyProgram

TIERS = [
    {"name": "Bronze", "threshold": Decimal("0"), "multiplier": Decimal("1")},
    {"name": "Silver", "threshold": Decimal("500"), "multiplier": Decimal("1.25")},
    {"name": "Gold", "threshold": Decimal("2000"), "multiplier": Decimal("1.5")},
]


def seed(account, *, user, log) -> None:
    _codes(account, log)
    _program(account, log)


def _codes(account, log) -> None:
    if DiscountCode.objects.filter(account=account).exists():
        log("Discounts: codes are already there.")
        return
    now = timezone.now()
    services.discount_code_create(
        account=account,
        code="WELCOME10",
        type="percentage",
        value=Decimal("10"),
        description="10% off a first order",
        per_customer_limit=1,
        combinable=True,
    )
    services.discount_code_create(
        account=account,
        code="FREESHIP",
        type="free_shipping",
        description="Free shipping over 50",
        minimum_order_total=Decimal("50.00"),
    )
    services.discount_code_create(
        account=account,
        code="SPRING5",
        type="fixed_amount",
        value=Decimal("5.00"),
        description="Spring sale (over)",
        starts_at=now - datetime.timedelta(days=90),
        ends_at=now - datetime.timedelta(days=60),
    )
    batch, _codes = services.discount_codes_generate(
        account=account, quantity=10, prefix="VIP-", length=8, type="percentage", value=Decimal("15")
    )
    log(f"Discounts: WELCOME10, FREESHIP, SPRING5 (expired) and 10 single-use codes (batch {batch}).")


def _program(account, log) -> None:
    if LoyaltyProgram.objects.filter(account=account).exists():
        log("Loyalty: a program is already there.")
        return
    program = services.loyalty_program_create(
        account=account,
        name="Omni Rewards",
        description="1 point per unit spent; 100 points are worth 1.00.",
        points_per_currency_unit=Decimal("1"),
        point_value=Decimal("0.01"),
        minimum_redemption=100,
        expiry_months=12,
        tiers=TIERS,
    )
    earned = 0
    for order in Order.objects.filter(account=account, status=OrderStatus.DELIVERED).order_by("created_at", "id"):
        if services.points_earn(order=order) is not None:
            earned += 1
    log(f"Loyalty: {program.pk} (Omni Rewards, 3 tiers), points earned on {earned} delivered orders.")
