"""/swagger.json describes the order endpoints as they behave."""

import pytest

from omnisales.testing.openapi import parameters

from .test_seed_examples import EXAMPLE_ITEM_KEYS, EXAMPLE_ORDER_KEYS

pytestmark = pytest.mark.django_db

ORDER_PATHS = {
    "/api/orders": {"get", "post"},
    "/api/orders/{orderId}": {"get"},
    "/api/orders/{orderId}/status": {"put"},
    "/api/orders/{orderId}/items": {"get"},
    "/api/orders/{orderId}/shipping": {"get", "put", "patch"},
    "/api/orders/{orderId}/payments": {"get", "post"},
    "/api/orders/{orderId}/events": {"get"},
    "/api/orders/{orderId}/notes": {"post"},
}


def component(schema, name):
    return schema["components"]["schemas"][name]


def test_every_order_operation_is_there_with_its_scope(schema):
    found = {path: set(operations) for path, operations in schema["paths"].items() if path.startswith("/api/orders")}
    assert found == ORDER_PATHS
    for path, methods in ORDER_PATHS.items():
        for method in methods:
            expected = "read:orders" if method == "get" else "write:orders"
            assert schema["paths"][path][method]["x-required-scope"] == expected, (method, path)


def test_list_parameters_are_the_documents_plus_ours(schema):
    names = set(parameters(schema, "/api/orders"))
    assert {"limit", "offset", "customerId", "status", "channel", "search"} <= names
    assert {"createdAfter", "createdBefore", "startDate", "endDate", "ordering", "paymentStatus"} <= names
    status = parameters(schema, "/api/orders")["status"]["schema"]["enum"]
    assert {"pending", "processing", "shipped", "delivered", "cancelled"} <= set(status)
    channel = parameters(schema, "/api/orders")["channel"]["schema"]["enum"]
    assert {"online", "offline", "mobile", "phone", "shopee", "lazada", "facebook"} == set(channel)
    ordering = parameters(schema, "/api/orders")["ordering"]["schema"]["items"]["enum"]
    assert {"createdAt", "-createdAt", "total", "-total", "status", "-status"} == set(ordering)


@pytest.mark.parametrize(
    "path", ["/api/orders/{orderId}/items", "/api/orders/{orderId}/payments", "/api/orders/{orderId}/events"]
)
def test_sub_lists_do_not_claim_the_order_list_filters(schema, path):
    assert not {"status", "search", "customerId"} & set(parameters(schema, path))


def test_order_shape_is_the_documents_in_camel_case(schema):
    order = component(schema, "Order")["properties"]
    assert {*EXAMPLE_ORDER_KEYS, "currency", "paymentStatus", "amountPaid", "notes", "shippingAddress"} <= set(order)
    item = component(schema, "OrderItem")["properties"]
    assert {*EXAMPLE_ITEM_KEYS, "sku", "lineTotal"} <= set(item)


def test_create_body_takes_json_only(schema):
    create = schema["paths"]["/api/orders"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json"}
    body = component(schema, "OrderCreateRequest")
    assert set(body["required"]) == {"customerId", "items"}
    line = component(schema, "OrderLineRequest")
    assert line["properties"]["quantity"]["maximum"] == 10_000 and set(line["required"]) == {"quantity"}
    assert {"productId", "variantId"} <= set(line["properties"]), "a line names a variant, or a single-variant product"
    assert {"line1", "postalCode", "phone", "name"} <= set(component(schema, "OrderAddressRequest")["properties"])


def test_conflicts_are_documented(schema):
    for path, method in [
        ("/api/orders/{orderId}/status", "put"),
        ("/api/orders/{orderId}/shipping", "put"),
        ("/api/orders/{orderId}/payments", "post"),
        ("/api/orders", "post"),
    ]:
        assert "409" in schema["paths"][path][method]["responses"], (method, path)
