from datetime import timedelta

import pytest

from customers import services
from omnisales.testing.factories import for_account

from .factories import NOON, CustomerSegmentFactory, set_order_stats


@pytest.fixture
def segment_factory(account):
    """segment_factory(**fields) -> a segment of `account` (pass account= for another one)."""
    return for_account(CustomerSegmentFactory, account)


@pytest.fixture
def ranked_customers(account):
    """C0…C4: five customers with orders, one per quintile on every score (C4 best, C0 worst),
    so C4 is a champion (R5 F5 M5) and C0 lost (R1 F1 M1). C<i> spent (i+1)*10 + 0.01 in i+1 orders."""
    ranked = []
    for index in range(5):
        customer = services.customer_create(account=account, name=f"C{index}")
        last_order_at = NOON - timedelta(days=50 - index * 10)
        ranked.append(
            set_order_stats(customer, orders=index + 1, spent=f"{(index + 1) * 10}.01", last_order_at=last_order_at)
        )
    return ranked
