"""POST /api/orders: snapshots, totals, side effects in the other apps, and every kind of bad input
(with proof that a refused request wrote nothing)."""

from decimal import Decimal

import pytest

from catalog.models import Product, ProductStatus
from catalog.services import product_update
from customers.services import customer_anonymize
from omnisales.testing.assertions import assert_error
from orders.models import Order, OrderEvent

from .utils import customer_stats, database_state, webhooks

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "John Doe",
    "line1": "123 Main St",
    "line2": "",
    "city": "Springfield",
    "region": "IL",
    "postalCode": "62701",
    "country": "US",
    "phone": "+12175550100",
}


@pytest.fixture
def tee(make_product):
    return make_product(name="Pocket Tee", sku="TEE-1", price=Decimal("25.00"))


@pytest.fixture
def mug(make_product):
    return make_product(name="Mug", sku="MUG-1", price=Decimal("12.50"))


def body(customer, *lines, **extra):
    return {
        "customerId": customer.pk,
        "items": [{"productId": product.pk, "quantity": quantity} for product, quantity in lines],
        **extra,
    }


def test_create_with_every_field(api, account, customer, tee, mug):
    payload = body(
        customer,
        (tee, 2),
        (mug, 1),
        channel="phone",
        paymentMethod="bank_transfer",
        shipping=7.95,
        notes="  Leave at the door  ",
        shippingAddress=ADDRESS,
    )
    payload["items"][1]["price"] = "10.00"

    response = api.post("/api/orders", payload, format="json")

    assert response.status_code == 201, response.content
    order = response.json()
    assert [
        (item["productName"], item["sku"], item["quantity"], item["price"], item["lineTotal"])
        for item in order["items"]
    ] == [
        ("Pocket Tee", "TEE-1", 2, 25.0, 50.0),
        ("Mug", "MUG-1", 1, 10.0, 10.0),
    ], "catalog price unless a price is sent"
    assert (order["subtotal"], order["shipping"], order["tax"], order["total"]) == (60.0, 7.95, 0.0, 67.95)
    assert (order["channel"], order["paymentMethod"], order["paymentStatus"], order["amountPaid"]) == (
        "phone",
        "bank_transfer",
        "unpaid",
        0.0,
    )
    assert order["currency"] == account.currency and order["notes"] == "Leave at the door"
    assert order["shippingAddress"] == ADDRESS
    assert api.get(f"/api/orders/{order['id']}").json() == order


def test_create_counts_the_order_everywhere(api, account, customer, tee):
    response = api.post("/api/orders", body(customer, (tee, 3)), format="json")

    order = Order.objects.get(pk=response.json()["id"])
    assert customer_stats(customer) == (1, Decimal("75.00"), order.created_at, order.created_at)
    tee.refresh_from_db()
    assert tee.order_count == 1, "products ever ordered are archived instead of deleted"
    [created] = OrderEvent.objects.filter(order=order)
    assert (created.kind, created.to_status, created.actor_type) == ("created", "pending", "api_key")
    [event] = webhooks(account, "order.created")
    data = event["data"]
    assert (data["orderId"], data["customerId"], data["total"], data["status"]) == (
        order.pk,
        customer.pk,
        75.0,
        "pending",
    )
    assert data["items"][0]["productId"] == tee.pk and data["items"][0]["quantity"] == 3


def test_lines_keep_the_name_sku_and_price_they_were_ordered_at(api, customer, tee):
    order_id = api.post("/api/orders", body(customer, (tee, 1)), format="json").json()["id"]

    product_update(product=tee, data={"name": "Renamed Tee", "sku": "TEE-2", "price": Decimal("30.00")})

    [item] = api.get(f"/api/orders/{order_id}/items").json()
    assert (item["productName"], item["sku"], item["price"]) == ("Pocket Tee", "TEE-1", 25.0)


def test_an_ordered_product_is_archived_not_deleted(api, customer, tee):
    api.post("/api/orders", body(customer, (tee, 1)), format="json")
    response = api.delete(f"/api/products/{tee.pk}")
    assert response.json()["result"] == "archived"
    assert Product.objects.filter(pk=tee.pk, status=ProductStatus.ARCHIVED).exists()


def test_a_shipping_address_of_only_some_parts_is_fine(api, customer, tee):
    response = api.post("/api/orders", body(customer, (tee, 1), shippingAddress={"city": "Oslo"}), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["shippingAddress"]["city"] == "Oslo"


def test_retried_create_with_the_same_idempotency_key_makes_one_order(api, account, customer, tee):
    payload = body(customer, (tee, 2))
    first = api.post("/api/orders", payload, format="json", HTTP_IDEMPOTENCY_KEY="order-7f3a")
    again = api.post("/api/orders", payload, format="json", HTTP_IDEMPOTENCY_KEY="order-7f3a")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Order.objects.filter(account=account).count() == 1
    assert customer_stats(customer)[:2] == (1, Decimal("50.00"))
    assert len(webhooks(account, "order.created")) == 1
    other = api.post("/api/orders", body(customer, (tee, 1)), format="json", HTTP_IDEMPOTENCY_KEY="order-7f3a")
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")


# --- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customerId": None}, "customerId"),
        ({"customerId": 42}, "customerId"),
        ({"items": None}, "items"),
        ({"items": []}, "items"),
        ({"items": "prod_1"}, "items"),
        ({"items": [{}]}, "items"),
        ({"items": [{"quantity": 1}]}, "items"),
        ({"items": [{"productId": "TEE"}]}, "items"),
        ({"items": [{"productId": 7, "quantity": 1}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 0}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": -1}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 10_001}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": "two"}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 1.5}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 1, "price": -0.01}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 1, "price": "abc"}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 1, "price": 1.999}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 1, "price": 10**13}]}, "items"),
        ({"items": [{"productId": "x" * 41, "quantity": 1}]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 1}, {"productId": "TEE", "quantity": 2}]}, "items"),
        ({"items": [{"productId": f"prod_{n}", "quantity": 1} for n in range(101)]}, "items"),
        ({"items": [{"productId": "TEE", "quantity": 10_000, "price": 999_999_999.99}]}, "items"),
        ({"channel": "retail"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"channel": ["online"]}, "channel"),
        ({"paymentMethod": "bitcoin"}, "paymentMethod"),
        ({"shipping": -1}, "shipping"),
        ({"shipping": "free"}, "shipping"),
        ({"shipping": 10**12}, "shipping"),
        ({"shippingAddress": "123 Main St"}, "shippingAddress"),
        ({"shippingAddress": {"line1": 5}}, "shippingAddress"),
        ({"shippingAddress": {"city": "c" * 101}}, "shippingAddress"),
        ({"shippingAddress": {"postalCode": "p" * 21}}, "shippingAddress"),
        ({"shippingAddress": {"name": "n" * 201}}, "shippingAddress"),
        ({"notes": "n" * 2001}, "notes"),
        ({"notes": 42}, "notes"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(api, account, customer, tee, change, field):
    payload = body(customer, (tee, 1))
    for line in change.get("items") or []:
        if isinstance(line, dict) and line.get("productId") == "TEE":
            line["productId"] = tee.pk
    payload.update(change)
    payload = {key: value for key, value in payload.items() if value is not None}
    before = database_state(account)

    response = api.post("/api/orders", payload, format="json")

    body_ = assert_error(response, 422, "VALIDATION_ERROR")
    assert field in body_["details"], body_
    assert database_state(account) == before


def test_a_body_that_is_not_json_is_400(api, account):
    before = database_state(account)
    assert_error(api.post("/api/orders", "{oops", content_type="application/json"), 400, "MALFORMED_REQUEST")
    assert database_state(account) == before


@pytest.mark.parametrize("whose", ["unknown", "other account's"])
def test_a_customer_not_in_the_account_is_404(api, account, other_account, make_customer, tee, whose):
    customer_id = "cus_missing" if whose == "unknown" else make_customer(account=other_account).pk
    before = database_state(account), database_state(other_account)

    response = api.post(
        "/api/orders", {"customerId": customer_id, "items": [{"productId": tee.pk, "quantity": 1}]}, format="json"
    )

    body_ = assert_error(response, 404, "CUSTOMER_NOT_FOUND")
    assert customer_id in body_["details"]
    assert (database_state(account), database_state(other_account)) == before


@pytest.mark.parametrize("whose", ["unknown", "other account's"])
def test_a_product_not_in_the_account_is_404(api, account, other_account, make_product, customer, tee, whose):
    product_id = "prod_missing" if whose == "unknown" else make_product(account=other_account).pk
    payload = {
        "customerId": customer.pk,
        "items": [{"productId": tee.pk, "quantity": 1}, {"productId": product_id, "quantity": 1}],
    }
    before = database_state(account), database_state(other_account)

    response = api.post("/api/orders", payload, format="json")

    body_ = assert_error(response, 404, "PRODUCT_NOT_FOUND")
    assert product_id in body_["details"] and tee.pk not in body_["details"]
    assert (database_state(account), database_state(other_account)) == before


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.ARCHIVED])
def test_only_active_products_can_be_ordered(api, account, make_product, customer, tee, status):
    hidden = make_product(status=status)
    before = database_state(account)

    response = api.post("/api/orders", body(customer, (tee, 1), (hidden, 1)), format="json")

    body_ = assert_error(response, 422, "PRODUCT_NOT_AVAILABLE")
    assert body_["details"]["productIds"] == [hidden.pk]
    assert f'PATCH /api/products/{hidden.pk} with {{"status": "active"}}' in body_["error"], "says what to do"
    assert database_state(account) == before


def test_an_anonymized_customer_cannot_order(api, account, customer, tee):
    customer_anonymize(customer=customer)
    before = database_state(account)
    assert_error(api.post("/api/orders", body(customer, (tee, 1)), format="json"), 409, "CUSTOMER_ANONYMIZED")
    assert database_state(account) == before


def test_a_product_priced_in_another_currency_needs_a_price(api, account, make_product, customer):
    euro = make_product(currency="EUR", price=Decimal("10.00"))
    before = database_state(account)

    refused = api.post("/api/orders", body(customer, (euro, 1)), format="json")

    assert "EUR" in str(assert_error(refused, 422, "VALIDATION_ERROR")["details"])
    assert database_state(account) == before
    priced = {"customerId": customer.pk, "items": [{"productId": euro.pk, "quantity": 1, "price": 11}]}
    assert api.post("/api/orders", priced, format="json").json()["total"] == 11.0


@pytest.mark.parametrize(
    ("scopes", "method", "status"),
    [
        (["read:orders"], "post", 403),
        (["write:products", "write:customers"], "post", 403),
        (["write:products", "write:customers"], "get", 403),
        (["read:orders"], "get", 200),
        (["write:orders"], "get", 200),
    ],
)
def test_scopes(make_client, account, customer, tee, scopes, method, status):
    client = make_client(account, scopes=scopes)
    response = getattr(client, method)(
        "/api/orders", body(customer, (tee, 1)) if method == "post" else None, format="json"
    )
    assert response.status_code == status, response.content
    if status == 403:
        assert response.json()["code"] == "INSUFFICIENT_SCOPE"
        assert not Order.objects.exists()


def test_without_credentials_is_401(anonymous_client):
    assert_error(anonymous_client.get("/api/orders"), 401, "AUTHENTICATION_REQUIRED")


def test_a_customer_id_with_a_nul_byte_is_404_and_writes_nothing(api, account, tee):
    before = database_state(account)
    payload = {"customerId": "cus_\x00x", "items": [{"productId": tee.pk, "quantity": 1}]}
    assert_error(api.post("/api/orders", payload, format="json"), 404, "CUSTOMER_NOT_FOUND")
    assert database_state(account) == before


@pytest.mark.parametrize("key", ["order\x00key", "line\nbreak", " "])
def test_an_idempotency_key_with_control_characters_is_400(api, account, customer, tee, key):
    before = database_state(account)
    response = api.post("/api/orders", body(customer, (tee, 1)), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_error(response, 400, "INVALID_IDEMPOTENCY_KEY")
    assert database_state(account) == before
