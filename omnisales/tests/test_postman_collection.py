"""The Postman collection served at /postman-collection.json: every operation is a request with a test of its
documented status, requests authenticate at the collection level, path variables and body ids come from
collection variables that earlier requests capture, and bodies are the operations' examples. (CI runs it
against a live server with newman: `make postman-check`.)"""

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from catalog.examples import PRODUCT_WRITE
from omnisales.api.postman import SETTINGS, build_collection

pytestmark = pytest.mark.django_db

VARIABLE = re.compile(r"{{([^{}$]+)}}")
LOCAL_VARIABLES = {"unique", "stripeSignature"}  # set by the collection's and the request's pre-request scripts


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def collection(schema):
    return build_collection(schema, payments_configured=True)


def requests_in_order(collection):
    return [(folder["name"], item) for folder in collection["item"] for item in folder["item"]]


def template(item) -> tuple[str, str]:
    """(method, OpenAPI path) of a request."""
    path = "/" + "/".join(
        f"{{{segment[1:]}}}" if segment.startswith(":") else segment for segment in item["request"]["url"]["path"]
    )
    return item["request"]["method"].lower(), path


def test_every_operation_is_a_request(schema, collection):
    operations = {
        (method, path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert {template(item) for _, item in requests_in_order(collection)} == operations


def test_it_is_a_v21_collection_authenticated_by_api_key_at_the_top(collection):
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    assert collection["auth"]["type"] == "apikey"
    assert {entry["key"]: entry["value"] for entry in collection["auth"]["apikey"]} == {
        "key": "X-API-Key",
        "value": "{{apiKey}}",
        "in": "header",
    }
    for _, item in requests_in_order(collection):
        request = item["request"]
        assert not any(header["key"].lower() in ("x-api-key", "authorization") for header in request["header"])
        assert request.get("auth") in (None, {"type": "noauth"}) or request["auth"]["type"] == "bearer", item["name"]


def test_public_operations_send_no_credentials_and_one_request_uses_the_bearer_token(schema, collection):
    for _, item in requests_in_order(collection):
        method, path = template(item)
        if not schema["paths"][path][method].get("security"):
            assert item["request"]["auth"] == {"type": "noauth"}, item["name"]
    bearer = [
        item for _, item in requests_in_order(collection) if item["request"].get("auth", {}).get("type") == "bearer"
    ]
    assert [template(item) for item in bearer] == [("get", "/api/auth/me")]
    assert bearer[0]["request"]["auth"]["bearer"][0]["value"] == "{{accessToken}}"


def test_every_request_tests_its_documented_status(schema, collection):
    for _, item in requests_in_order(collection):
        method, path = template(item)
        tests = "\n".join(next(event for event in item["event"] if event["listen"] == "test")["script"]["exec"])
        responses = schema["paths"][path][method]["responses"]
        documented = [code for code in responses if code.startswith("2")]
        expected = int(re.search(r"let \[expected, code\] = (?:paymentsConfigured \? )?\[(\d+)", tests).group(1))
        error = re.search(r'let \[expected, code\] = \[\d+, "(\w+)"\]', tests)
        if error:  # a request that answers a documented error in every run (Step.expect)
            assert error.group(1) in json.dumps(responses.get(str(expected), {})), item["name"]
        else:
            assert str(expected) in documented, item["name"]
        assert "pm.response.to.have.status(expected)" in tests


def test_path_variables_are_never_empty(collection):
    for _, item in requests_in_order(collection):
        for variable in item["request"]["url"]["variable"]:
            assert re.fullmatch(r"{{\w+}}", variable["value"]), (item["name"], variable)


def used_variables(item) -> set[str]:
    request = dict(item["request"])
    request.pop("description", None)
    return set(VARIABLE.findall(json.dumps(request))) - LOCAL_VARIABLES


def captured_variables(item) -> set[str]:
    tests = "\n".join(line for event in item["event"] if event["listen"] == "test" for line in event["script"]["exec"])
    return set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', tests))


def test_every_variable_a_request_uses_is_set_by_the_user_or_an_earlier_request(collection):
    known = set(SETTINGS)
    for folder, item in requests_in_order(collection):
        assert used_variables(item) <= known, (folder, item["name"], used_variables(item) - known)
        known |= captured_variables(item)
    declared = {variable["key"] for variable in collection["variable"]}
    assert known <= declared


def test_deletes_remove_what_their_own_folder_created(collection):
    for folder in collection["item"]:
        created = set()
        for item in folder["item"]:
            if item["request"]["method"] == "DELETE":
                targets = {VARIABLE.fullmatch(v["value"]).group(1) for v in item["request"]["url"]["variable"]}
                assert targets <= created, (folder["name"], item["name"])
            created |= captured_variables(item)


def test_getting_started_runs_first_from_product_to_timeline(collection):
    first = collection["item"][0]
    assert first["name"] == "Getting started"
    steps = [template(item) for item in first["item"]]
    assert steps == [
        ("get", "/api/auth/me"),
        ("post", "/api/products"),
        ("post", "/api/inventory/warehouses"),
        ("post", "/api/inventory/stock/adjust"),
        ("post", "/api/customers"),
        ("post", "/api/orders"),
        ("put", "/api/orders/{orderId}/status"),
        ("put", "/api/orders/{orderId}/status"),
        ("put", "/api/orders/{orderId}/status"),
        ("get", "/api/orders/{orderId}/events"),
    ]
    statuses = [json.loads(item["request"]["body"]["raw"])["status"] for item in first["item"][6:9]]
    assert statuses == ["processing", "shipped", "delivered"]
    assert [folder["name"] for folder in collection["item"][1:]] == [
        "Auth",
        "Products",
        "Customers",
        "Inventory",
        "Orders",
        "Payments",
        "Billing",
        "Webhooks",
        "CRM",
        "Messaging",
        "Returns and reviews",
        "Marketplace",
        "Loyalty",
        "Discounts",
        "Analytics",
    ]


def body_of(collection, folder_name, method, path, index=0):
    folder = next(folder for folder in collection["item"] if folder["name"] == folder_name)
    matches = [item for item in folder["item"] if template(item) == (method, path)]
    return json.loads(matches[index]["request"]["body"]["raw"])


def test_bodies_are_the_examples_with_ids_from_variables_and_fresh_unique_values(collection):
    assert body_of(collection, "Orders", "post", "/api/orders") == {
        "customerId": "{{customerId}}",
        "items": [{"productId": "{{productId}}", "quantity": 2, "price": 99.99}],
    }
    assert body_of(collection, "Orders", "put", "/api/orders/{orderId}/status", index=1) == {"status": "shipped"}
    product = body_of(collection, "Products", "post", "/api/products")
    assert product == {**PRODUCT_WRITE, "sku": "LAPTOP-14-SLV-{{unique}}", "categoryId": "{{categoryId}}"}
    assert body_of(collection, "Customers", "post", "/api/customers")["email"] == "jane+{{unique}}@example.com"
    transfer = body_of(collection, "Inventory", "post", "/api/inventory/transfers")
    assert (transfer["fromWarehouseId"], transfer["toWarehouseId"]) == ("{{warehouseId}}", "{{toWarehouseId}}")
    assert body_of(collection, "Auth", "post", "/api/auth/token") == {"email": "{{email}}", "password": "{{password}}"}


def test_the_stripe_webhook_request_is_signed_by_its_prerequest_script(collection):
    payments = next(folder for folder in collection["item"] if folder["name"] == "Payments")
    webhook = next(item for item in payments["item"] if template(item) == ("post", "/api/payments/webhook"))
    headers = {header["key"]: header["value"] for header in webhook["request"]["header"]}
    assert headers["Stripe-Signature"] == "{{stripeSignature}}"
    script = "\n".join(next(event for event in webhook["event"] if event["listen"] == "prerequest")["script"]["exec"])
    assert "HmacSHA256" in script and 'pm.variables.set("stripeSignature"' in script


@pytest.mark.parametrize(("stripe_key", "expected"), [("", "false"), ("sk_test_x", "true")])
def test_served_collection_expects_payments_to_work_only_when_stripe_is_configured(
    anonymous_client, settings, stripe_key, expected
):
    settings.STRIPE_SECRET_KEY = stripe_key
    collection = json.loads(anonymous_client.get("/postman-collection.json").content)
    variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
    assert variables["paymentsConfigured"] == expected
    assert variables["apiKey"] == "" and variables["baseUrl"] == settings.PUBLIC_BASE_URL
