"""Real concurrent orders on PostgreSQL: a code's usage limit and per-customer limit hold however many orders
race for the last use."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loyalty.models import DiscountCode, DiscountRedemption
from omnisales.testing.concurrency import race
from omnisales.testing.factories import CustomerFactory, product_in_stock
from orders.models import Order

from .discount_factories import make_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _place(api_key: str, customer_id: str, product_id: str, code: str):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    body = {"customerId": customer_id, "items": [{"productId": product_id, "quantity": 1}], "discountCode": code}
    return client.post("/api/orders", body, format="json")


def _outcomes(responses) -> dict:
    outcomes = {}
    for response in responses:
        key = (
            response.status_code,
            response.json().get("details", {}).get("reason") if response.status_code != 201 else None,
        )
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes


def test_fifty_orders_for_a_code_limited_to_ten_uses_make_ten(api, account):
    product = product_in_stock(account, price=Decimal("30.00"))
    customers = [CustomerFactory(account=account) for _ in range(50)]
    discount = make_code(account, "TEN-ONLY", usage_limit=10)

    responses = race(lambda index: _place(api.api_key, customers[index].pk, product.pk, "ten-only"), 50)

    assert _outcomes(responses) == {(201, None): 10, (422, "exhausted"): 40}, [r.content[:200] for r in responses]
    discount.refresh_from_db()
    assert discount.times_used == 10
    assert DiscountRedemption.objects.filter(discount=discount, released_at__isnull=True).count() == 10
    assert Order.objects.filter(account=account).count() == 10
    assert all(order.discount_amount == Decimal("3.00") for order in Order.objects.filter(account=account))


def test_five_orders_of_one_customer_with_a_one_per_customer_code_make_one(api, account):
    product = product_in_stock(account, price=Decimal("30.00"))
    customer = CustomerFactory(account=account)
    discount = make_code(account, "ONE-EACH", per_customer_limit=1)

    responses = race(lambda index: _place(api.api_key, customer.pk, product.pk, "ONE-EACH"), 5)

    assert _outcomes(responses) == {(201, None): 1, (422, "customer_limit_reached"): 4}, [
        r.content[:200] for r in responses
    ]
    assert DiscountRedemption.objects.filter(discount=discount, customer=customer).count() == 1
    assert Order.objects.filter(account=account).count() == 1
    assert DiscountCode.objects.get(pk=discount.pk).times_used == 1
