"""Strict input, in the shared plumbing: unknown fields, body size, JSON nesting, media types, paging."""

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework import serializers

from billing.models import Payment, PaymentStatus, Refund
from billing.tests.conftest import stripe_fake  # noqa: F401 - a fixture
from catalog.models import Product
from omnisales.api.models import IdempotencyRecord
from webhooks.models import WebhookEndpoint
from webhooks.tests.conftest import make_webhook, private_urls_allowed  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

ENVELOPE = {"error", "details", "code"}
PRODUCT = {"sku": "TEE-001", "name": "Pocket Tee", "price": 25}


def assert_error(response, status, code):
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == ENVELOPE and body["code"] == code, body
    return body


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value


# --- unknown fields -------------------------------------------------------------------------------


@pytest.fixture
def charged(api, stripe_fake):  # noqa: F811 - the fixture imported above
    body = api.post(
        "/api/payments/process",
        {"amount": 10000, "currency": "usd", "paymentMethodId": "pm_card_visa"},
        format="json",
    ).json()
    return Payment.objects.get(pk=body["id"])


def test_refund_with_an_unknown_amount_field_is_422_and_refunds_nothing(api, charged, stripe_fake):  # noqa: F811
    response = api.post(f"/api/payments/{charged.id}/refund", {"amount": 10}, format="json")
    assert response.json() == {
        "error": "Validation failed",
        "details": {"amount": ["Unknown field."]},
        "code": "VALIDATION_ERROR",
    }
    assert response.status_code == 422
    assert stripe_fake.requests_to("POST", "/v1/refunds") == []
    assert Refund.objects.count() == 0
    charged.refresh_from_db()
    assert charged.status == PaymentStatus.SUCCEEDED


def test_unknown_camel_case_field_is_named_as_sent_next_to_other_errors(api):
    response = api.post("/api/products", {"sku": "X-1", "priceInCents": 100, "someOtherThing": 1}, format="json")
    details = assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert details["priceInCents"] == ["Unknown field."]
    assert details["someOtherThing"] == ["Unknown field."]
    assert "name" in details and "price" in details  # the usual errors are still reported
    assert not Product.objects.exists()


def test_read_only_fields_are_refused_on_put_and_patch(api):
    created = api.post("/api/products", PRODUCT, format="json").json()
    response = api.patch(f"/api/products/{created['id']}", {"createdAt": "2020-01-01T00:00:00Z"}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {"createdAt": ["This field is read-only."]}


def test_unknown_fields_in_nested_objects_and_list_items_are_refused(api, account):
    from catalog.tests.factories import ProductFactory

    product = ProductFactory(account=account, price=10)
    body = {
        "items": [{"productId": product.id, "quantity": 1, "discount": 5}],
        "shippingAddress": {"city": "Springfield", "planet": "Mars"},
    }
    response = api.post("/api/orders", body, format="json")
    details = assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert details["items"] == [{"discount": ["Unknown field."]}]
    assert details["shippingAddress"] == {"planet": ["Unknown field."]}


def test_free_form_attributes_keep_any_keys(api):
    body = {**PRODUCT, "attributes": {"anyKey": {"nested_key": [1, 2]}}}
    response = api.post("/api/products", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["attributes"] == {"anyKey": {"nested_key": [1, 2]}}


def test_a_body_on_a_write_that_takes_none_is_refused_before_it_runs(api, make_webhook):  # noqa: F811
    endpoint, _ = make_webhook("http://127.0.0.1:9/hook")
    response = api.post(f"/api/webhooks/{endpoint.id}/test", {"url": "http://x.example"}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {"url": ["Unknown field."]}
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == endpoint.url


def test_strict_input_covers_every_serializer():
    class Inner(serializers.Serializer):
        a = serializers.IntegerField()

    class Outer(serializers.Serializer):
        inner = Inner(many=True)

    payload = Outer(data={"inner": [{"a": 1, "b": 2}]})
    assert not payload.is_valid()
    assert payload.errors == {"inner": [{"b": ["Unknown field."]}]}


# --- Idempotency-Key on public views ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/token/refresh", "/api/auth/register"])
def test_idempotency_key_on_public_views_is_not_a_500(anonymous_client, path):
    key = f"k-{uuid.uuid4()}"
    response = anonymous_client.post(path, {"bogus": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_error(response, 422, "VALIDATION_ERROR")


def test_login_with_idempotency_key_replays(anonymous_client, account):
    from accounts.tests.factories import MembershipFactory

    member = MembershipFactory(account=account)
    body = {"email": member.user.email, "password": "correct-horse-battery"}
    key = f"login-{uuid.uuid4()}"  # the in-flight lock lives in the shared cache
    first = anonymous_client.post("/api/auth/token", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 200, first.content
    again = anonymous_client.post("/api/auth/token", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.count() == 1


# --- body size and authentication order ------------------------------------------------------------


def test_an_oversized_json_body_is_413_before_it_is_read(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = {**PRODUCT, "description": "x" * 2000}
    response = api.post("/api/products", body, format="json")
    assert assert_error(response, 413, "REQUEST_TOO_LARGE")["details"] == {"maxBytes": 1000}
    assert not Product.objects.exists()


def test_default_body_limit_is_one_mebibyte_for_anonymous_callers_too(anonymous_client):
    body = '{"a": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = anonymous_client.post("/api/products", body, content_type="application/json")
    assert assert_error(response, 413, "REQUEST_TOO_LARGE")["details"] == {"maxBytes": 1024 * 1024}


@pytest.mark.parametrize("path", ["/api/products", "/api/auth/api-keys"])
def test_anonymous_malformed_body_is_401_not_400(anonymous_client, path):
    response = anonymous_client.post(path, "{not json", content_type="application/json")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


def test_anonymous_deeply_nested_body_is_401(anonymous_client):
    response = anonymous_client.post("/api/products", "[" * 20000, content_type="application/json")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


def test_without_content_length_the_read_stops_at_the_limit(settings):
    from omnisales.api.body_size import BodySizeLimitMiddleware, BodyTooLarge

    settings.API_MAX_BODY_BYTES = 100
    request = RequestFactory().post("/api/products", data=b"x" * 500, content_type="application/json")
    del request.META["CONTENT_LENGTH"]  # as with Transfer-Encoding: chunked
    request._stream = io.BytesIO(b"x" * 500)

    def view():
        raise AssertionError

    view.cls = type("View", (), {"body_limit_setting": "API_MAX_BODY_BYTES"})
    assert BodySizeLimitMiddleware(lambda r: None).process_view(request, view, (), {}) is None
    with pytest.raises(BodyTooLarge):
        request.body  # noqa: B018 - the read is what is tested


def test_the_csv_import_has_its_own_bigger_limit(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    rows = "".join(f"BIG-{i},Name {i},1\n" for i in range(100))
    file = SimpleUploadedFile("products.csv", ("sku,name,price\n" + rows).encode(), content_type="text/csv")
    response = api.post("/api/products/import", {"file": file}, format="multipart")
    assert response.status_code == 200, response.content
    assert Product.objects.count() == 100
    settings.API_MAX_IMPORT_BODY_BYTES = 1000
    file = SimpleUploadedFile("products.csv", ("sku,name,price\n" + rows).encode(), content_type="text/csv")
    response = api.post("/api/products/import", {"file": file}, format="multipart")
    assert_error(response, 413, "REQUEST_TOO_LARGE")


# --- nesting --------------------------------------------------------------------------------------


def test_a_body_of_20000_brackets_is_400(api):
    response = api.post("/api/products", "[" * 20000 + "]" * 20000, content_type="application/json")
    assert "nested deeper than 32" in assert_error(response, 400, "MALFORMED_REQUEST")["details"]


def test_a_body_nested_just_past_the_cap_is_400_and_at_the_cap_is_parsed(api):
    too_deep = {**PRODUCT, "attributes": nested(32)}  # 33 levels with the body's own object
    assert_error(api.post("/api/products", too_deep, format="json"), 400, "MALFORMED_REQUEST")
    at_the_cap = {**PRODUCT, "attributes": nested(31)}
    response = api.post("/api/products", at_the_cap, format="json")  # parsed; the field's own cap answers
    assert "attributes" in assert_error(response, 422, "VALIDATION_ERROR")["details"]


def test_product_attributes_980_levels_deep_is_an_error_not_a_500(api):
    deep = '{"a":' * 980 + "1" + "}" * 980
    body = json.dumps({**PRODUCT, "attributes": "PLACEHOLDER"}).replace('"PLACEHOLDER"', deep)
    assert_error(api.post("/api/products", body, content_type="application/json"), 400, "MALFORMED_REQUEST")


def test_free_form_attributes_are_capped_in_depth_and_size(api, settings):
    response = api.post("/api/products", {**PRODUCT, "attributes": nested(11)}, format="json")
    assert "attributes" in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    settings.API_MAX_FREE_FORM_JSON_BYTES = 100
    response = api.post("/api/products", {**PRODUCT, "attributes": {"a": "x" * 200}}, format="json")
    assert "attributes" in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert not Product.objects.exists()
    assert api.post("/api/products", {**PRODUCT, "attributes": nested(10)["k"]}, format="json").status_code == 201


def test_a_deeply_nested_attributes_cell_in_a_csv_import_is_a_row_error(api):
    cell = '"' + ('{""a"":' * 980 + "1" + "}" * 980) + '"'
    text = f"sku,name,price,attributes\nDEEP-1,Deep,1,{cell}\nOK-1,Fine,1,\n"
    file = SimpleUploadedFile("products.csv", text.encode(), content_type="text/csv")
    response = api.post("/api/products/import", {"file": file}, format="multipart")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["created"] == 1
    assert report["errors"][0]["sku"] == "DEEP-1" and "attributes" in report["errors"][0]["errors"]
    assert list(Product.objects.values_list("sku", flat=True)) == ["OK-1"]


# --- media types and paging ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["multipart", None])
def test_form_and_multipart_bodies_are_415_where_json_is_documented(api, fmt):
    if fmt is None:
        response = api.post("/api/products", "sku=X&name=Y&price=1", content_type="application/x-www-form-urlencoded")
    else:
        response = api.post("/api/products", PRODUCT, format=fmt)
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert not Product.objects.exists()


def test_limit_above_250_is_400(api):
    body = assert_error(api.get("/api/products?limit=251"), 400, "INVALID_PARAMETER")
    assert "limit" in body["details"]
    assert api.get("/api/products?limit=250").status_code == 200
