from decimal import Decimal

import pytest

from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services as order_services


def deliver(order):
    for status in ("processing", "shipped", "delivered"):
        order = order_services.order_transition(order=order, to_status=status)
    return order


@pytest.fixture
def delivered(account):
    """A delivered order of 3 × 40.00 and 2 × 10.00 (140.00, no tax), not paid."""
    customer = CustomerFactory(account=account)
    products = [product_in_stock(account, price=Decimal("40.00")), product_in_stock(account, price=Decimal("10.00"))]
    return deliver(place_order(account, customer=customer, products=products, quantities=[3, 2]))


@pytest.fixture
def lines(delivered):
    return list(delivered.items.order_by("position"))


@pytest.fixture
def card_paid(api, delivered, stripe_fake):
    """`delivered`, paid in full by card through the local Stripe, its webhooks out of the way."""
    response = api.post(
        "/api/payments/process",
        {"amount": 14000, "currency": "usd", "paymentMethodId": "pm_card_visa", "orderId": delivered.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    stripe_fake.pending.clear()
    delivered.refresh_from_db()
    assert delivered.payment_status == "paid"
    return delivered


@pytest.fixture
def cash_paid(delivered):
    order_services.order_payment_record(order=delivered, amount=delivered.total, method="cash")
    delivered.refresh_from_db()
    return delivered


def request_return(api, order, items, **fields):
    body = {
        "orderId": order.pk,
        "items": [{"orderItemId": line.pk, "quantity": quantity, "reason": reason} for line, quantity, reason in items],
        **fields,
    }
    return api.post("/api/returns", body, format="json")


def received_return(api, order, items, *, warehouse_id, conditions=None):
    """A return of `items` [(line, quantity)], requested, authorized and received (all sellable by default)."""
    created = request_return(api, order, [(line, quantity, "defective") for line, quantity in items])
    assert created.status_code == 201, created.content
    return_id = created.json()["id"]
    assert api.post("/api/returns/authorize", {"returnId": return_id}, format="json").status_code == 200
    received = api.post(
        f"/api/returns/{return_id}/receive",
        {
            "warehouseId": warehouse_id,
            "items": [
                {"orderItemId": line.pk, "quantity": quantity, "condition": (conditions or {}).get(line.pk, "sellable")}
                for line, quantity in items
            ],
        },
        format="json",
    )
    assert received.status_code == 200, received.content
    return received.json()
