from datetime import timedelta

import pytest

from customers import services

from .factories import NOON, CustomerFactory, CustomerSegmentFactory, set_order_stats


@pytest.fixture
def customer_factory(account):
    """customer_factory(**fields) -> a customer of `account` (pass account= for another one)."""

    def build(**fields):
        fields.setdefault("account", account)
        return CustomerFactory(**fields)

    return build


@pytest.fixture
def segment_factory(account):
    def build(**fields):
        fields.setdefault("account", account)
        return CustomerSegmentFactory(**fields)

    return build


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
