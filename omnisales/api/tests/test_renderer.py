"""The orjson camelCase renderer writes what djangorestframework-camel-case's renderer wrote: the same
keys and values for real API responses and for every kind of value a view may hand it."""

import datetime
import decimal
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.render import CamelCaseJSONRenderer as LibraryRenderer
from djangorestframework_camel_case.util import camelize as library_camelize
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from omnisales.api import renderers
from omnisales.api.renderers import CamelCaseJSONRenderer, CamelizedList, camel_key
from omnisales.api.representation import drf_only
from omnisales.api.secrets import SecretValue
from omnisales.testing.factories import CategoryFactory, CustomerFactory, ProductFactory, place_order, product_in_stock

pytestmark = pytest.mark.django_db


def render_both(data, accepted_media_type=None):
    old = LibraryRenderer().render(data, accepted_media_type)
    new = CamelCaseJSONRenderer().render(data, accepted_media_type)
    return old, new


def assert_same_json(data, accepted_media_type=None):
    old, new = render_both(data, accepted_media_type)
    assert json.loads(new) == json.loads(old)
    return json.loads(new)


def test_the_api_renders_with_the_orjson_renderer(api):
    assert [CamelCaseJSONRenderer] == api_settings.DEFAULT_RENDERER_CLASSES
    response = api.get("/api/orders")
    assert response.status_code == 200
    assert response.content == CamelCaseJSONRenderer().render(response.data)


@pytest.fixture
def shop(account):
    products = [product_in_stock(account, price=decimal.Decimal(price)) for price in ("19.99", "5.10", "1000.00")]
    for index in range(5):
        place_order(account, products=products[: index % 3 + 1], quantities=[index + 1] * (index % 3 + 1))
    CustomerFactory.create_batch(3, account=account)
    CategoryFactory(account=account)
    ProductFactory(
        account=account,
        attributes={"shoe_size": "42", "colorName": "navy", "care": {"wash_temp": 30, "dryClean": False}},
    )
    return account


@pytest.mark.parametrize(
    "path", ["/api/orders", "/api/customers", "/api/products", "/api/products?ordering=-price", "/api/categories"]
)
def test_real_list_responses_render_the_same(api, shop, path):
    response = api.get(path)
    assert response.status_code == 200
    body = assert_same_json(response.data)
    assert body, "the list must not be empty for the comparison to mean anything"


def test_an_order_with_items_renders_the_same(api, shop):
    order_id = api.get("/api/orders").json()[0]["id"]
    body = assert_same_json(api.get(f"/api/orders/{order_id}").data)
    assert body["items"] and "productId" in body["items"][0]
    assert isinstance(body["total"], float) and isinstance(body["amountPaid"], (int, float))


def test_free_form_attributes_keep_the_clients_keys(api, shop):
    products = api.get("/api/products").data
    (with_attributes,) = [product for product in products if product["attributes"]]
    body = assert_same_json(with_attributes)
    assert body["attributes"] == {"shoe_size": "42", "colorName": "navy", "care": {"wash_temp": 30, "dryClean": False}}


def test_an_error_envelope_renders_the_same(api):
    response = api.post("/api/customers", {"first_name": 5, "email": "not-an-email"}, format="json")
    assert response.status_code == 422
    body = assert_same_json(response.data)
    assert set(body) == {"error", "details", "code"}


def test_a_secret_bearing_response_renders_the_same(api):
    response = api.post("/api/auth/api-keys", {"name": "ci", "scopes": ["read:orders"]}, format="json")
    assert response.status_code == 201
    assert isinstance(response.data["key"], SecretValue)
    body = assert_same_json(response.data)
    assert body["key"] == str(response.data["key"]) and body["key"]


class Plain:
    """Something neither orjson nor DRF's encoder can write."""


def test_every_kind_of_value_renders_the_same():
    moment = datetime.datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=datetime.UTC)
    data = ReturnDict(
        {
            "order_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "total_amount": decimal.Decimal("999.99"),
            "small_amount": decimal.Decimal("0.10"),
            "created_at": moment,
            "naive_at": moment.replace(tzinfo=None),
            "ship_date": datetime.date(2024, 1, 15),
            "cut_off_time": datetime.time(17, 30),
            "wait": datetime.timedelta(minutes=3),
            "label": gettext_lazy("Not found."),
            gettext_lazy("lazy_key"): 1,
            "secret_value": SecretValue("sk_live_abc"),
            "_leading": 1,
            "line_2_total": 2,
            "double__under": 3,
            "trailing_": 4,
            "ALL_CAPS": 5,
            "tuple_value": (1, {"inner_key": 2}),
            "set_like": frozenset({"one"}),
            "nested_list": ReturnList([{"deep_key": [{"deeper_key": None}]}], serializer=None),
            "metadata": {"keep_me": {"and_me": 1}},
            "payload": [{"raw_key": 1}],
            "data": {"event_name": "x"},
            "unicode_text": "naïve ✓ \u2028 line",
            "flags": [True, False, None, 0, -1, 1.5],
        },
        serializer=None,
    )
    body = assert_same_json(data)
    assert body["createdAt"] == "2024-01-15T10:30:00.123456Z"
    assert body["totalAmount"] == 999.99
    assert body["lazyKey"] == 1 and body["label"] == "Not found."
    assert body["metadata"] == {"keep_me": {"and_me": 1}} and body["data"] == {"event_name": "x"}


def test_what_orjson_refuses_is_written_by_drfs_encoder():
    data = {"big_number": 2**70, "int_keys": {1: "one", 2: {"two_key": 2}}, "total_amount": decimal.Decimal("1.50")}
    body = assert_same_json(data)
    assert body == {"bigNumber": 2**70, "intKeys": {"1": "one", "2": {"twoKey": 2}}, "totalAmount": 1.5}


def test_indent_and_empty_bodies_behave_like_drf():
    data = {"some_key": [1, 2]}
    old, new = render_both(data, "application/json; indent=4")
    assert json.loads(new) == json.loads(old) and b"\n" in new
    assert CamelCaseJSONRenderer().render(None) == b""


def test_unrenderable_values_fail_as_before():
    with pytest.raises(TypeError):
        LibraryRenderer().render({"thing": Plain()})
    with pytest.raises(TypeError):
        CamelCaseJSONRenderer().render({"thing": Plain()})


def test_line_separators_are_escaped_like_drf():
    _, new = render_both({"text": "a\u2028b\u2029c"})
    assert b"\\u2028" in new and b"\\u2029" in new and "\u2028".encode() not in new


def test_ignore_fields_and_ignore_keys_mean_what_they_mean_to_the_library():
    data = {"keep_key": {"inner_key": 1}, "other_key": 2, "attributes": {"a_b": 1}, "list_key": [{"x_y": 1}]}
    options = {"ignore_fields": ("attributes",), "ignore_keys": ("keep_key",)}
    expected = json.loads(json.dumps(library_camelize(data, **options)))
    assert renderers.camelize(data, frozenset(options["ignore_fields"]), frozenset(options["ignore_keys"])) == expected
    assert expected == {"keep_key": {"innerKey": 1}, "otherKey": 2, "attributes": {"a_b": 1}, "listKey": [{"xY": 1}]}


def test_each_distinct_key_is_camelcased_once(api, shop):
    with drf_only():  # the rows as DRF renders them, snake_case: the renderer camelCases them
        data = api.get("/api/orders").data
    camel_key.cache_clear()
    CamelCaseJSONRenderer().render(data)
    first = camel_key.cache_info()
    CamelCaseJSONRenderer().render(data)
    second = camel_key.cache_info()
    assert second.misses == first.misses  # nothing new to compute the second time
    assert first.misses == first.currsize <= 60  # one computation per distinct key, not per occurrence
    assert first.hits > first.misses


def test_compiled_representations_arrive_camelcased_and_are_written_as_they_are(api, shop):
    response = api.get("/api/orders")
    assert isinstance(response.data, CamelizedList) and "createdAt" in response.data[0]
    camel_key.cache_clear()
    assert CamelCaseJSONRenderer().render(response.data) == response.content
    assert camel_key.cache_info().hits == camel_key.cache_info().misses == 0  # no walk at all
    with drf_only():
        assert api.get("/api/orders").content == response.content
