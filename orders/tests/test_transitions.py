"""PUT /api/orders/{orderId}/status over every (from, to) pair, and what each transition does."""

import itertools
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.services import tokens_for
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import MembershipFactory
from orders import services
from orders.models import Order, OrderEvent, OrderStatus

from .utils import customer_stats, database_state, webhooks

pytestmark = pytest.mark.django_db

STATUSES = ["pending", "processing", "shipped", "delivered", "cancelled", "refunded"]
# What a merchant may do through the API, written out here rather than read from the service.
LEGAL = {
    ("pending", "processing"),
    ("pending", "cancelled"),
    ("processing", "shipped"),
    ("processing", "cancelled"),
    ("shipped", "delivered"),
}
ALLOWED = {
    "pending": ["processing", "cancelled"],
    "processing": ["shipped", "cancelled"],
    "shipped": ["delivered"],
    "delivered": [],
    "cancelled": [],
    "refunded": [],
}


def order_in(status: str, make_order) -> Order:
    """An order brought to `status` the way it gets there in real life."""
    order = make_order()
    path = {
        "pending": [],
        "processing": ["processing"],
        "shipped": ["processing", "shipped"],
        "delivered": ["processing", "shipped", "delivered"],
        "cancelled": ["cancelled"],
        "refunded": ["processing", "shipped", "delivered"],
    }[status]
    for step in path:
        services.order_transition(order=order, to_status=step)
    if status == "refunded":  # only a full refund gets an order there
        services.order_payment_record(order=order, amount=order.total, method="cash")
        services.order_payment_refund(order=order, amount=order.total)
    order.refresh_from_db()
    assert order.status == status
    return order


def test_the_pairs_cover_every_status():
    assert sorted(STATUSES) == sorted(OrderStatus.values)


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(STATUSES, STATUSES)))
def test_every_status_pair(api, account, make_order, from_status, to_status):
    order = order_in(from_status, make_order)
    before = database_state(account)

    response = api.put(f"/api/orders/{order.pk}/status", {"status": to_status}, format="json")

    if (from_status, to_status) in LEGAL:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == to_status
        order.refresh_from_db()
        assert order.status == to_status
        event = OrderEvent.objects.filter(order=order, kind="status_changed").latest("created_at")
        assert (event.from_status, event.to_status) == (from_status, to_status)
        [webhook] = [
            payload
            for payload in webhooks(account, "order.updated")
            if payload["data"].get("changes") == {"status": {"from": from_status, "to": to_status}}
        ]
        assert webhook["data"]["orderId"] == order.pk
    else:
        body = assert_error(response, 409, "INVALID_STATUS_TRANSITION")
        assert body["details"] == {"from": from_status, "to": to_status, "allowed": ALLOWED[from_status]}
        assert database_state(account) == before


def test_refunded_is_reached_only_through_a_full_refund(account, make_order):
    order = order_in("delivered", make_order)
    services.order_payment_record(order=order, amount=order.total, method="cash")
    services.order_payment_refund(order=order, amount=Decimal("5.00"))
    order.refresh_from_db()
    assert order.status == "delivered", "a partial refund leaves the status alone"
    with pytest.raises(services.InvalidStatusTransition):
        services.order_transition(order=order, to_status="refunded")
    services.order_transition(order=order, to_status="refunded", internal=True)
    order.refresh_from_db()
    assert order.status == "refunded"


@pytest.mark.parametrize(
    "body", [{}, {"status": "lost"}, {"status": None}, {"status": 3}, {"status": "shipped", "note": "n" * 2001}]
)
def test_bad_status_bodies_are_422_and_change_nothing(api, account, make_order, body):
    order = order_in("processing", make_order)
    before = database_state(account)
    assert_error(api.put(f"/api/orders/{order.pk}/status", body, format="json"), 422, "VALIDATION_ERROR")
    assert database_state(account) == before


def test_unknown_or_another_accounts_order_is_404(api, other_account, make_order, make_customer):
    theirs = make_order(account=other_account, customer=make_customer(account=other_account))
    for order_id in ("ord_missing", theirs.pk):
        body = assert_error(
            api.put(f"/api/orders/{order_id}/status", {"status": "cancelled"}, format="json"), 404, "ORDER_NOT_FOUND"
        )
        assert order_id in body["details"]
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_read_scope_cannot_change_status(make_client, account, make_order):
    order = make_order()
    client = make_client(account, scopes=["read:orders"])
    body = assert_error(
        client.put(f"/api/orders/{order.pk}/status", {"status": "processing"}, format="json"), 403, "INSUFFICIENT_SCOPE"
    )
    assert body["details"] == {"requiredScope": "write:orders"}
    order.refresh_from_db()
    assert order.status == "pending"


def test_cancel_takes_the_order_out_of_the_customers_stats_and_says_so(api, account, make_order, customer):
    kept = make_order(customer=customer)
    cancelled = make_order(customer=customer)
    assert customer_stats(customer)[:2] == (2, kept.total + cancelled.total)

    response = api.put(
        f"/api/orders/{cancelled.pk}/status", {"status": "cancelled", "note": "Out of stock"}, format="json"
    )

    assert response.status_code == 200
    cancelled.refresh_from_db()
    assert cancelled.cancelled_at is not None and cancelled.counted_in_stats is False
    assert customer_stats(customer) == (1, kept.total, kept.created_at, kept.created_at)
    [event] = OrderEvent.objects.filter(order=cancelled, kind="status_changed")
    assert event.note == "Out of stock"
    [payload] = webhooks(account, "order.cancelled")
    assert payload["data"]["orderId"] == cancelled.pk and payload["data"]["status"] == "cancelled"


def test_ship_and_deliver_stamp_the_order(api, make_order):
    order = order_in("processing", make_order)
    shipped = api.put(f"/api/orders/{order.pk}/status", {"status": "shipped"}, format="json")
    assert shipped.status_code == 200
    order.refresh_from_db()
    assert order.shipped_at is not None and order.delivered_at is None
    assert api.get(f"/api/orders/{order.pk}/shipping").json()["shippedAt"] is not None
    api.put(f"/api/orders/{order.pk}/status", {"status": "delivered"}, format="json")
    order.refresh_from_db()
    assert order.delivered_at >= order.shipped_at
    assert order.counted_in_stats is True


def test_the_timeline_names_the_member_who_changed_the_status(account, make_order):
    membership = MembershipFactory(account=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for(user=membership.user, account=account)["access"])
    order = make_order()

    client.put(f"/api/orders/{order.pk}/status", {"status": "processing"}, format="json")

    event = OrderEvent.objects.get(order=order, kind="status_changed")
    assert (event.actor_type, event.actor_id, event.actor_label) == ("user", membership.user.pk, membership.user.email)
