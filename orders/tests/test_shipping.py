"""GET/PUT/PATCH /api/orders/{orderId}/shipping."""

from decimal import Decimal

import pytest

from omnisales.testing.assertions import assert_error
from orders import services
from orders.models import OrderEvent

from .utils import database_state, webhooks

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "Jane Smith",
    "line1": "456 Oak Ave",
    "city": "Boston",
    "region": "MA",
    "postalCode": "02108",
    "country": "US",
}


@pytest.fixture
def order(make_order):
    order = make_order(shipping_address={"name": "Jane Smith", "line_1": "123 Main St", "city": "Springfield"})
    return services.order_transition(order=order, to_status="processing")


def url(order) -> str:
    return f"/api/orders/{order.pk}/shipping"


def test_get_shipping(api, make_order):
    order = make_order(shipping=Decimal("4.95"), shipping_address={"line_1": "1 Loop", "country": "US"})
    body = api.get(url(order)).json()
    assert body == {
        "address": {
            "name": "",
            "line1": "1 Loop",
            "line2": "",
            "city": "",
            "region": "",
            "postalCode": "",
            "country": "US",
            "phone": "",
        },
        "method": "",
        "carrier": "",
        "trackingNumber": "",
        "trackingUrl": "",
        "shipping": 4.95,
        "status": "pending",
        "shippedAt": None,
        "deliveredAt": None,
    }


def test_put_replaces_every_field_and_records_the_change(api, account, order):
    response = api.put(
        url(order),
        {
            "address": ADDRESS,
            "method": "express",
            "carrier": "UPS",
            "trackingNumber": "1Z999AA10123456784",
            "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["address"]["line1"] == "456 Oak Ave" and body["address"]["line2"] == ""
    assert (body["method"], body["carrier"], body["trackingNumber"], body["status"]) == (
        "express",
        "UPS",
        "1Z999AA10123456784",
        "processing",
    ), "without markShipped the status stays"
    event = OrderEvent.objects.get(order=order, kind="shipping_updated")
    assert event.data["changedFields"] == [
        "carrier",
        "shippingAddress",
        "shippingMethod",
        "trackingNumber",
        "trackingUrl",
    ]
    assert event.data["trackingNumber"] == "1Z999AA10123456784"
    [payload] = [p for p in webhooks(account, "order.updated") if "trackingNumber" in p["data"]["changedFields"]]
    assert payload["data"]["orderId"] == order.pk

    cleared = api.put(url(order), {"carrier": "FedEx"}, format="json").json()
    assert (cleared["carrier"], cleared["trackingNumber"], cleared["address"]) == ("FedEx", "", None), "PUT replaces"


def test_patch_changes_only_what_is_sent(api, order):
    api.put(url(order), {"address": ADDRESS, "carrier": "UPS"}, format="json")
    body = api.patch(url(order), {"trackingNumber": "1Z1"}, format="json").json()
    assert (body["carrier"], body["trackingNumber"], body["address"]["city"]) == ("UPS", "1Z1", "Boston")


def test_an_unchanged_put_records_nothing(api, account, order):
    api.put(url(order), {"carrier": "UPS"}, format="json")
    before = database_state(account)
    assert api.put(url(order), {"carrier": "UPS"}, format="json").status_code == 200
    assert database_state(account) == before


def test_mark_shipped_moves_a_processing_order_to_shipped(api, account, order):
    body = api.put(url(order), {"carrier": "UPS", "trackingNumber": "1Z2", "markShipped": True}, format="json").json()
    assert body["status"] == "shipped" and body["shippedAt"] is not None
    kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", "to_status"))
    assert kinds[-2:] == [("shipping_updated", ""), ("status_changed", "shipped")]

    again = api.put(url(order), {"carrier": "UPS", "trackingNumber": "1Z2", "markShipped": True}, format="json")
    assert again.status_code == 200 and again.json()["shippedAt"] == body["shippedAt"], "a repeated PUT changes nothing"


def test_mark_shipped_on_a_pending_order_is_409_and_writes_nothing(api, account, make_order):
    order = make_order()
    before = database_state(account)
    response = api.put(url(order), {"trackingNumber": "1Z3", "markShipped": True}, format="json")
    body = assert_error(response, 409, "INVALID_STATUS_TRANSITION")
    assert body["details"]["from"] == "pending"
    assert database_state(account) == before


def test_the_address_is_frozen_once_shipped_but_tracking_can_change(api, account, order):
    services.order_transition(order=order, to_status="shipped")
    before = database_state(account)
    assert_error(api.patch(url(order), {"address": ADDRESS}, format="json"), 409, "SHIPPING_LOCKED")
    assert database_state(account) == before
    assert api.patch(url(order), {"trackingNumber": "CORRECTED"}, format="json").json()["trackingNumber"] == "CORRECTED"


def test_a_cancelled_orders_shipping_cannot_change(api, account, order):
    services.order_transition(order=order, to_status="cancelled")
    before = database_state(account)
    assert_error(api.patch(url(order), {"carrier": "UPS"}, format="json"), 409, "SHIPPING_LOCKED")
    assert database_state(account) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trackingUrl": "ftp://example.com/t"}, "trackingUrl"),
        ({"trackingUrl": "not a url"}, "trackingUrl"),
        ({"trackingUrl": "https://example.com/" + "t" * 500}, "trackingUrl"),
        ({"carrier": "c" * 101}, "carrier"),
        ({"carrier": 5}, "carrier"),
        ({"trackingNumber": "t" * 101}, "trackingNumber"),
        ({"method": ["express"]}, "method"),
        ({"address": "1 Main St"}, "address"),
        ({"address": {"city": "c" * 101}}, "address"),
        ({"markShipped": "maybe"}, "markShipped"),
    ],
)
def test_bad_shipping_input_is_422(api, account, order, body, field):
    before = database_state(account)
    for method in ("put", "patch"):
        error = assert_error(getattr(api, method)(url(order), body, format="json"), 422, "VALIDATION_ERROR")
        assert field in error["details"]
    assert database_state(account) == before


def test_another_accounts_order_and_scopes(api, other_api, make_client, account, order):
    assert_error(other_api.put(url(order), {"carrier": "X"}, format="json"), 404, "ORDER_NOT_FOUND")
    reader = make_client(account, scopes=["read:orders"])
    assert reader.get(url(order)).status_code == 200
    assert_error(reader.patch(url(order), {"carrier": "X"}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert api.get(url(order)).json()["carrier"] == ""
