"""GET /api/orders/{orderId}/events, POST /api/orders/{orderId}/notes and GET …/items."""

from decimal import Decimal

import pytest

from omnisales.testing.assertions import assert_error
from orders import services
from orders.models import OrderEvent

from .utils import database_state

pytestmark = pytest.mark.django_db


def test_the_timeline_tells_the_orders_story_with_actors(api, make_client, account, make_order):
    order = make_order()
    services.order_transition(order=order, to_status="processing")
    clerk = make_client(account, scopes=["write:orders"])
    clerk.post(f"/api/orders/{order.pk}/payments", {"amount": 5, "method": "cash"}, format="json")
    clerk.patch(f"/api/orders/{order.pk}/shipping", {"carrier": "DHL"}, format="json")
    clerk.post(f"/api/orders/{order.pk}/notes", {"note": "  Customer called about delivery  "}, format="json")
    clerk.put(f"/api/orders/{order.pk}/status", {"status": "cancelled", "note": "Changed their mind"}, format="json")

    events = api.get(f"/api/orders/{order.pk}/events").json()

    assert [(e["type"], e["fromStatus"], e["toStatus"]) for e in events] == [
        ("created", None, "pending"),
        ("status_changed", "pending", "processing"),
        ("payment", None, None),
        ("shipping_updated", None, None),
        ("note", None, None),
        ("status_changed", "processing", "cancelled"),
    ]
    assert [e["actor"]["type"] for e in events] == ["system", "system", "api_key", "api_key", "api_key", "api_key"]
    assert events[2]["actor"]["id"] == f"key_{clerk.api_key.partition('.')[0]}"
    assert events[2]["actor"]["label"] == "test key"
    assert events[2]["data"] == {"paymentId": order.payments.get().pk, "amount": 5.0, "method": "cash"}
    assert events[3]["data"] == {"changedFields": ["carrier"], "carrier": "DHL"}
    assert events[4]["note"] == "Customer called about delivery"
    assert events[5]["note"] == "Changed their mind"
    assert all(e["orderId"] == order.pk and e["id"].startswith("evt_") for e in events)


def test_events_are_paged(api, make_order):
    order = make_order()
    for number in range(4):
        services.order_note_add(order=order, note=f"note {number}")
    response = api.get(f"/api/orders/{order.pk}/events?limit=2&offset=1")
    assert response["X-Total-Count"] == "5"
    assert [e["note"] for e in response.json()] == ["note 0", "note 1"]


def test_add_a_note(api, account, make_order):
    order = make_order()
    response = api.post(f"/api/orders/{order.pk}/notes", {"note": "Gift wrap, please"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["type"], body["note"], body["actor"]["type"]) == ("note", "Gift wrap, please", "api_key")
    assert OrderEvent.objects.filter(order=order, kind="note").count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"note": ""}, {"note": "   "}, {"note": None}, {"note": 12}, {"note": "n" * 2001}]
)
def test_bad_notes_are_422(api, account, make_order, body):
    order = make_order()
    before = database_state(account)
    error = assert_error(api.post(f"/api/orders/{order.pk}/notes", body, format="json"), 422, "VALIDATION_ERROR")
    assert "note" in error["details"]
    assert database_state(account) == before


def test_notes_and_events_need_the_right_scope_and_account(make_client, other_api, account, make_order):
    order = make_order()
    reader = make_client(account, scopes=["read:orders"])
    assert reader.get(f"/api/orders/{order.pk}/events").status_code == 200
    assert_error(reader.post(f"/api/orders/{order.pk}/notes", {"note": "x"}, format="json"), 403, "INSUFFICIENT_SCOPE")
    outsider = make_client(account, scopes=["read:products"])
    for path in ("events", "items", "shipping", "payments", ""):
        assert_error(outsider.get(f"/api/orders/{order.pk}/{path}".rstrip("/")), 403, "INSUFFICIENT_SCOPE")
    assert_error(other_api.post(f"/api/orders/{order.pk}/notes", {"note": "x"}, format="json"), 404, "ORDER_NOT_FOUND")
    assert_error(other_api.get(f"/api/orders/{order.pk}/events"), 404, "ORDER_NOT_FOUND")
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_items_are_listed_in_the_order_they_were_sent(api, make_order, make_product):
    products = [make_product(price=Decimal(price)) for price in ("3.00", "1.00", "2.00")]
    order = make_order(products=products, quantities=[1, 2, 3])
    items = api.get(f"/api/orders/{order.pk}/items").json()
    assert [(i["productId"], i["quantity"], i["lineTotal"]) for i in items] == [
        (products[0].pk, 1, 3.0),
        (products[1].pk, 2, 2.0),
        (products[2].pk, 3, 6.0),
    ]


@pytest.mark.parametrize("path", ["", "/items", "/shipping", "/payments", "/events"])
def test_unknown_order_is_404_on_every_read(api, path):
    assert_error(api.get(f"/api/orders/ord_nope{path}"), 404, "ORDER_NOT_FOUND")
