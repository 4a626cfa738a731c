"""GET/POST /api/discounts/codes, GET/PUT/PATCH/DELETE /api/discounts/codes/{id}, POST …/codes/generate and
GET …/codes/{id}/redemptions: bodies, rules, conflicts, tenancy, scopes, filters and statements per list."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import DiscountCode, DiscountRedemption
from loyalty.services import GENERATED_ALPHABET
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CategoryFactory, ProductFactory, place_order, product_in_stock

from .discount_factories import make_code

pytestmark = pytest.mark.django_db

CODES = "/api/discounts/codes"


def _url(discount) -> str:
    return f"{CODES}/{discount.pk}"


def _created(api, **body):
    body = {
        key: value
        for key, value in {"code": "SUMMER2024", "type": "percentage", "value": 15, **body}.items()
        if value is not None
    }
    response = api.post(CODES, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_a_code_with_every_field(api, account):
    product = ProductFactory(account=account)
    body = _created(
        api,
        description="Summer sale",
        minimumOrderTotal=50,
        startsAt="2024-06-01T00:00:00Z",
        endsAt="2099-09-01T00:00:00Z",
        usageLimit=500,
        perCustomerLimit=1,
        appliesTo="products",
        productIds=[product.pk],
        combinable=True,
    )
    assert body["id"].startswith("disc_")
    assert {key: body[key] for key in body if key not in ("id", "createdAt", "updatedAt")} == {
        "code": "SUMMER2024",
        "description": "Summer sale",
        "type": "percentage",
        "value": 15.0,
        "currency": "USD",
        "minimumOrderTotal": 50.0,
        "startsAt": "2024-06-01T00:00:00Z",
        "endsAt": "2099-09-01T00:00:00Z",
        "usageLimit": 500,
        "perCustomerLimit": 1,
        "timesUsed": 0,
        "appliesTo": "products",
        "productIds": [product.pk],
        "categoryIds": [],
        "combinable": True,
        "active": True,
        "status": "current",
        "batch": "",
    }
    assert api.get(f"{CODES}/{body['id']}").json() == body


def test_defaults_of_a_minimal_code(api):
    body = _created(api, code="FREESHIP", type="free_shipping", value=None)
    assert (body["value"], body["appliesTo"], body["usageLimit"], body["perCustomerLimit"]) == (0.0, "all", None, None)
    assert (body["active"], body["combinable"], body["startsAt"], body["endsAt"]) == (True, False, None, None)


def test_codes_are_unique_in_any_case_and_kept_as_spelled(api, account):
    first = _created(api, code="Summer2024")
    assert first["code"] == "Summer2024"
    response = api.post(CODES, {"code": "SUMMER2024", "type": "percentage", "value": 5}, format="json")
    body = assert_error(response, 409, "DISCOUNT_CODE_EXISTS")
    assert body["details"] == {"code": "Summer2024", "id": first["id"]}
    assert DiscountCode.objects.count() == 1
    other = _created(api, code="WINTER")
    response = api.patch(f"{CODES}/{other['id']}", {"code": "summer2024"}, format="json")
    assert_error(response, 409, "DISCOUNT_CODE_EXISTS")
    assert DiscountCode.objects.get(pk=other["id"]).code == "WINTER"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "percentage", "value": 0}, "value"),
        ({"type": "percentage", "value": 100.01}, "value"),
        ({"type": "percentage"}, "value"),
        ({"type": "fixed_amount", "value": 0}, "value"),
        ({"type": "fixed_amount", "value": -1}, "value"),
        ({"type": "free_shipping", "value": 5}, "value"),
        ({"type": "bogus", "value": 5}, "type"),
        ({"type": "percentage", "value": 5, "code": "has space"}, "code"),
        ({"type": "percentage", "value": 5, "code": "x" * 65}, "code"),
        ({"type": "percentage", "value": 5, "code": 42}, "code"),
        (
            {"type": "percentage", "value": 5, "startsAt": "2024-02-01T00:00:00Z", "endsAt": "2024-01-01T00:00:00Z"},
            "endsAt",
        ),
        ({"type": "percentage", "value": 5, "usageLimit": 0}, "usageLimit"),
        ({"type": "percentage", "value": 5, "perCustomerLimit": 0}, "perCustomerLimit"),
        ({"type": "percentage", "value": 5, "minimumOrderTotal": -1}, "minimumOrderTotal"),
        ({"type": "percentage", "value": 5, "appliesTo": "products"}, "productIds"),
        ({"type": "percentage", "value": 5, "appliesTo": "categories"}, "categoryIds"),
        ({"type": "percentage", "value": 5, "productIds": ["prod_x"]}, "productIds"),
        ({"type": "percentage", "value": 5, "timesUsed": 3}, "timesUsed"),
        ({"type": "percentage", "value": 5, "currency": "EUR"}, "currency"),
        ({"type": "percentage", "value": 5, "amount": 5}, "amount"),
    ],
)
def test_invalid_bodies_are_refused_naming_the_field(api, account, body, field):
    if body.get("productIds") == ["prod_x"]:
        body = {**body, "productIds": [ProductFactory(account=account).pk]}
    response = api.post(CODES, {"code": "BAD", **body}, format="json")
    details = assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert field in details, details
    assert not DiscountCode.objects.exists()


def test_read_only_and_unknown_fields_say_so(api):
    response = api.post(CODES, {"code": "A", "type": "percentage", "value": 5, "timesUsed": 1, "x": 1}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {
        "timesUsed": ["This field is read-only."],
        "x": ["Unknown field."],
    }


def test_another_accounts_product_or_category_is_a_404(api, account, other_account):
    theirs = ProductFactory(account=other_account)
    response = api.post(
        CODES,
        {"code": "A", "type": "percentage", "value": 5, "appliesTo": "products", "productIds": [theirs.pk]},
        format="json",
    )
    assert_error(response, 404, "PRODUCT_NOT_FOUND")
    category = CategoryFactory(account=other_account)
    response = api.post(
        CODES,
        {"code": "A", "type": "percentage", "value": 5, "appliesTo": "categories", "categoryIds": [category.pk]},
        format="json",
    )
    assert_error(response, 404, "CATEGORY_NOT_FOUND")
    assert not DiscountCode.objects.exists()


def test_another_accounts_code_is_a_404_on_every_method(api, other_api, account):
    discount = make_code(account)
    for method in ("get", "put", "patch", "delete"):
        response = getattr(other_api, method)(_url(discount), {"active": False}, format="json")
        assert_error(response, 404, "DISCOUNT_CODE_NOT_FOUND")
    assert_error(other_api.get(f"{_url(discount)}/redemptions"), 404, "DISCOUNT_CODE_NOT_FOUND")
    assert other_api.get(CODES).json() == []
    discount.refresh_from_db()
    assert discount.active


def test_put_replaces_and_patch_changes(api, account):
    category = CategoryFactory(account=account)
    body = _created(api, usageLimit=10, perCustomerLimit=2, description="old")
    response = api.put(
        f"{CODES}/{body['id']}",
        {
            "code": "SUMMER-CATS",
            "type": "fixed_amount",
            "value": 7.5,
            "appliesTo": "categories",
            "categoryIds": [category.pk],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    replaced = response.json()
    assert (replaced["code"], replaced["type"], replaced["value"], replaced["categoryIds"]) == (
        "SUMMER-CATS",
        "fixed_amount",
        7.5,
        [category.pk],
    )
    assert (replaced["usageLimit"], replaced["perCustomerLimit"], replaced["description"]) == (None, None, "")

    response = api.patch(f"{CODES}/{body['id']}", {"active": False}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        **replaced,
        "active": False,
        "status": "inactive",
        "updatedAt": response.json()["updatedAt"],
    }

    response = api.patch(f"{CODES}/{body['id']}", {"appliesTo": "all"}, format="json")
    assert response.json()["categoryIds"] == []
    response = api.patch(f"{CODES}/{body['id']}", {"type": "free_shipping"}, format="json")
    assert response.json()["value"] == 0.0


def test_usage_limit_cannot_go_below_the_uses_that_hold(api, account):
    discount = make_code(account)
    for _ in range(2):
        place_order(account, discount_code=discount.code)
    response = api.patch(_url(discount), {"usageLimit": 1}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {
        "usageLimit": ["At least the uses that hold (2)."]
    }
    assert api.patch(_url(discount), {"usageLimit": 2}, format="json").json()["status"] == "exhausted"


def test_delete_an_unused_code_but_not_a_used_one(api, account):
    unused = make_code(account)
    assert api.delete(_url(unused)).status_code == 204
    assert not DiscountCode.objects.filter(pk=unused.pk).exists()

    used = make_code(account)
    order = place_order(account, discount_code=used.code)
    body = assert_error(api.delete(_url(used)), 409, "DISCOUNT_CODE_IN_USE")
    assert body["details"] == {"id": used.pk, "redemptions": 1}
    api.put(f"/api/orders/{order.pk}/status", {"status": "cancelled"}, format="json")
    assert_error(api.delete(_url(used)), 409, "DISCOUNT_CODE_IN_USE")  # released, still history
    assert DiscountCode.objects.filter(pk=used.pk).exists()


def test_redemptions_of_a_code(api, account):
    discount = make_code(account)
    first = place_order(account, discount_code=discount.code)
    second = place_order(account, discount_code=discount.code.lower())
    api.put(f"/api/orders/{first.pk}/status", {"status": "cancelled"}, format="json")
    response = api.get(f"{_url(discount)}/redemptions")
    assert response.status_code == 200 and response["X-Total-Count"] == "2"
    newest, oldest = response.json()
    assert (newest["orderId"], newest["releasedAt"], newest["amount"]) == (
        second.pk,
        None,
        float(second.discount_amount),
    )
    assert (oldest["orderId"], oldest["customerId"], oldest["code"]) == (first.pk, first.customer_id, discount.code)
    assert oldest["releasedAt"] is not None
    assert set(newest) == {"id", "discountId", "code", "orderId", "customerId", "amount", "releasedAt", "createdAt"}


def test_generate_single_use_codes_in_one_batch(api, account):
    product = ProductFactory(account=account)
    with CaptureQueriesContext(connection) as queries:
        response = api.post(
            f"{CODES}/generate",
            {
                "quantity": 250,
                "prefix": "VIP-",
                "length": 8,
                "type": "fixed_amount",
                "value": 10,
                "appliesTo": "products",
                "productIds": [product.pk],
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 250 and len(body["codes"]) == 250
    inserts = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('INSERT INTO "loyalty_discountcode"')
    ]
    assert len(inserts) == 1  # one statement for the batch, not one per code
    codes = [entry["code"] for entry in body["codes"]]
    assert len({code.lower() for code in codes}) == 250
    assert all(code.startswith("VIP-") and len(code) == 12 for code in codes)
    assert all(set(code[4:]) <= set(GENERATED_ALPHABET) for code in codes)
    stored = DiscountCode.objects.filter(batch=body["batch"])
    assert stored.count() == 250
    assert set(stored.values_list("usage_limit", "type", "value", "applies_to").distinct()) == {
        (1, "fixed_amount", Decimal("10.00"), "products")
    }
    assert (
        DiscountCode.products.through.objects.filter(discountcode__batch=body["batch"], product=product).count() == 250
    )
    listed = api.get(CODES, {"batch": body["batch"], "limit": 250})
    assert listed["X-Total-Count"] == "250"
    assert all(row["productIds"] == [product.pk] and row["batch"] == body["batch"] for row in listed.json())


def test_generated_codes_never_take_a_code_the_account_has(api, account, monkeypatch):
    from loyalty.services import discounts as discount_services

    make_code(account, "VIP-AAAAAA")
    draws = iter([{"VIP-aaaaaa", "VIP-BBBBBB"}, {"VIP-CCCCCC"}])
    monkeypatch.setattr(discount_services, "_random_codes", lambda **kwargs: next(draws))
    response = api.post(
        f"{CODES}/generate", {"quantity": 2, "prefix": "VIP-", "length": 6, "type": "free_shipping"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert sorted(entry["code"] for entry in response.json()["codes"]) == ["VIP-BBBBBB", "VIP-CCCCCC"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1001}, "quantity"),
        ({"quantity": 5, "length": 5}, "length"),
        ({"quantity": 5, "length": 33}, "length"),
        ({"quantity": 5, "prefix": "bad prefix"}, "prefix"),
        ({"quantity": 5, "value": 101}, "value"),
        ({"quantity": 5, "code": "X"}, "code"),
        ({"quantity": 5, "usageLimit": 3}, "usageLimit"),
    ],
)
def test_generate_refuses_bad_options_and_writes_nothing(api, body, field):
    response = api.post(f"{CODES}/generate", {"type": "percentage", "value": 10, **body}, format="json")
    assert field in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert not DiscountCode.objects.exists()


def test_list_filters_search_and_ordering(api, account):
    now = timezone.now()
    current = make_code(account, "SPRING", usage_limit=5)
    scheduled = make_code(account, "FUTURE", starts_at=now + datetime.timedelta(days=1))
    expired = make_code(account, "PAST", type="fixed_amount", value="3", ends_at=now - datetime.timedelta(days=1))
    inactive = make_code(account, "OFF", active=False)
    exhausted = make_code(account, "ONCE", usage_limit=1)
    place_order(account, discount_code="once")

    def ids(**params):
        response = api.get(CODES, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()]

    assert ids(status="current") == [current.pk]
    assert ids(status="scheduled") == [scheduled.pk]
    assert ids(status="expired") == [expired.pk]
    assert ids(status="inactive") == [inactive.pk]
    assert ids(status="exhausted") == [exhausted.pk]
    assert ids(active="false") == [inactive.pk]
    assert ids(type="fixed_amount") == [expired.pk]
    assert ids(search="pri") == [current.pk]
    assert ids(ordering="code") == [d.pk for d in (scheduled, inactive, exhausted, expired, current)]
    assert ids(ordering="-timesUsed")[0] == exhausted.pk
    for bad in ({"status": "bogus"}, {"active": "maybe"}, {"ordering": "value"}, {"type": ""}):
        assert_error(api.get(CODES, bad), 400, "INVALID_PARAMETER")


def test_the_list_reads_in_a_fixed_number_of_statements(api, account):
    def statements() -> int:
        api.get(CODES)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(CODES)
        assert response.status_code == 200
        return len(queries)

    product, category = ProductFactory(account=account), CategoryFactory(account=account)
    make_code(account, applies_to="products", products=[product])
    make_code(account, applies_to="categories", categories=[category])
    few = statements()
    for _ in range(10):
        make_code(account, applies_to="products", products=[product, ProductFactory(account=account)])
        make_code(account, applies_to="categories", categories=[category])
    assert statements() == few == 4  # the page, its count, the products' ids, the categories' ids


def test_scopes(account, make_client):
    discount = make_code(account)
    reader = make_client(account, scopes=["read:discounts"])
    assert reader.get(CODES).status_code == 200
    assert reader.get(_url(discount)).status_code == 200
    assert (
        reader.post("/api/discounts/validate", {"code": discount.code, "orderTotal": 10}, format="json").status_code
        == 200
    )
    for response in (
        reader.post(CODES, {"code": "NEW", "type": "percentage", "value": 5}, format="json"),
        reader.patch(_url(discount), {"active": False}, format="json"),
        reader.delete(_url(discount)),
        reader.post(f"{CODES}/generate", {"quantity": 1, "type": "free_shipping"}, format="json"),
    ):
        assert assert_error(response, 403, "INSUFFICIENT_SCOPE")["details"] == {"requiredScope": "write:discounts"}
    outsider = make_client(account, scopes=["read:orders"])
    assert_error(outsider.get(CODES), 403, "INSUFFICIENT_SCOPE")
    assert_error(
        outsider.post("/api/discounts/validate", {"code": "X", "orderTotal": 1}, format="json"),
        403,
        "INSUFFICIENT_SCOPE",
    )
    writer = make_client(account, scopes=["write:discounts"])
    assert writer.post(CODES, {"code": "NEW", "type": "percentage", "value": 5}, format="json").status_code == 201
    assert DiscountCode.objects.count() == 2
    assert not DiscountRedemption.objects.exists()


def test_the_admin_lists_codes_and_switches_them(admin_client, account):
    product = product_in_stock(account)
    discount = make_code(account, "ADMIN10", applies_to="products", products=[product])
    place_order(account, products=[product], discount_code="admin10")
    page = admin_client.get("/admin/loyalty/discountcode/")
    assert page.status_code == 200 and b"ADMIN10" in page.content and b"1 / " in page.content
    assert admin_client.get(f"/admin/loyalty/discountcode/{discount.pk}/change/").status_code == 200
    assert admin_client.get("/admin/loyalty/discountredemption/").status_code == 200
    admin_client.post(
        "/admin/loyalty/discountcode/", {"action": "deactivate", "_selected_action": [discount.pk]}, follow=True
    )
    discount.refresh_from_db()
    assert not discount.active
    assert admin_client.get("/admin/loyalty/discountcode/", {"status": "inactive"}).context["cl"].result_count == 1
    admin_client.post("/admin/loyalty/discountcode/", {"action": "activate", "_selected_action": [discount.pk]})
    discount.refresh_from_db()
    assert discount.active
