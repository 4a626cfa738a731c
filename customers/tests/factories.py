from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from customers import services
from customers.models import CustomerSegment
from omnisales.testing.factories import AccountFactory

NOON = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


class CustomerSegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerSegment

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(lambda: {"tags": {"any": ["vip"]}})


def set_order_stats(customer, *, orders: int, spent: str, last_order_at: datetime = NOON):
    """Order statistics as the orders app would leave them (first order a year before the last), then
    the account's RFM scores refreshed, as the periodic refresh would have done before the next read."""
    services.customer_stats_set(
        customer=customer,
        total_orders=orders,
        total_spent=Decimal(spent),
        first_order_at=last_order_at - timedelta(days=365),
        last_order_at=last_order_at,
    )
    services.rfm_scores_refresh(account=customer.account)
    customer.refresh_from_db()
    return customer
