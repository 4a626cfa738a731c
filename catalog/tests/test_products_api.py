"""Product endpoints: create, read, replace, update, delete/archive — happy paths and every kind of bad input."""

from decimal import Decimal

import pytest

from catalog.models import Product, ProductStatus
from catalog.services import product_mark_ordered
from omnisales.testing.assertions import assert_error
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

VALID = {"sku": "TEE-001", "name": "Pocket Tee", "price": 25}


def events(account, event_type=None):
    queryset = WebhookEvent.objects.filter(account=account).order_by("created_at", "id")
    if event_type:
        queryset = queryset.filter(event_type=event_type)
    return list(queryset)


# --- create ------------------------------------------------------------------------------------


def test_create_returns_the_product_in_camel_case_with_defaults(api, account, make_category):
    category = make_category(name="Tops")
    response = api.post(
        "/api/products",
        {
            **VALID,
            "description": "Heavyweight cotton.",
            "compareAtPrice": 30,
            "cost": "7.40",
            "categoryId": category.id,
            "tags": ["cotton", " basics ", "cotton"],
            "images": ["https://cdn.example.com/tee.jpg"],
            "barcode": "4006381333931",
            "weight": 0.2,
            "attributes": {"fabric_weight": "220gsm", "fit": "regular"},
            "allowBackorder": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("prod_")
    assert body["price"] == 25.0 and body["compareAtPrice"] == 30.0 and body["cost"] == 7.4
    assert body["currency"] == account.currency
    assert body["status"] == "draft"
    assert body["categoryId"] == category.id
    assert body["tags"] == ["cotton", "basics"]
    assert body["attributes"] == {"fabric_weight": "220gsm", "fit": "regular"}, "free-form keys are kept as sent"
    assert body["trackInventory"] is True and body["allowBackorder"] is True
    assert body["orderCount"] == 0
    assert body["createdAt"].endswith("Z")
    product = Product.objects.get(pk=body["id"])
    assert product.account == account and product.cost == Decimal("7.40")
    [event] = events(account, "product.created")
    assert event.payload["data"]["id"] == body["id"]
    assert event.payload["data"]["price"] == 25.0


def test_currency_defaults_to_the_accounts_and_is_upper_cased(api, account):
    account.currency = "EUR"
    account.save()
    assert api.post("/api/products", VALID, format="json").json()["currency"] == "EUR"
    other = api.post("/api/products", {**VALID, "sku": "TEE-002", "currency": "gbp"}, format="json")
    assert other.json()["currency"] == "GBP"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sku": None}, "sku"),
        ({"name": None}, "name"),
        ({"price": None}, "price"),
        ({"price": -1}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"price": 10**13}, "price"),
        ({"compareAtPrice": 20}, "compareAtPrice"),
        ({"cost": -0.01}, "cost"),
        ({"weight": -1}, "weight"),
        ({"sku": "x" * 65}, "sku"),
        ({"sku": "HAS SPACE"}, "sku"),
        ({"name": "n" * 256}, "name"),
        ({"description": "d" * 10_001}, "description"),
        ({"barcode": "b" * 65}, "barcode"),
        ({"currency": "US"}, "currency"),
        ({"currency": 840}, "currency"),
        ({"status": "published"}, "status"),
        ({"tags": "cotton"}, "tags"),
        ({"tags": ["a,b"]}, "tags"),
        ({"tags": ["t" * 65]}, "tags"),
        ({"tags": [f"t{i}" for i in range(51)]}, "tags"),
        ({"tags": [{"x": 1}]}, "tags"),
        ({"images": ["not a url"]}, "images"),
        ({"images": ["ftp://example.com/a.jpg"]}, "images"),
        ({"images": [f"https://example.com/{i}.jpg" for i in range(21)]}, "images"),
        ({"attributes": ["not", "an", "object"]}, "attributes"),
        ({"attributes": {"blob": "x" * 10_001}}, "attributes"),
        ({"trackInventory": "maybe"}, "trackInventory"),
        ({"categoryId": 12}, "categoryId"),
    ],
)
def test_create_rejects_bad_input_with_422_and_writes_nothing(api, account, change, field):
    payload = {**VALID, **{"sku": "TEE-001", "tags": ["x"]}, **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    body = assert_error(api.post("/api/products", payload, format="json"), 422, "VALIDATION_ERROR")
    assert field in body["details"], body
    assert not Product.objects.exists()
    assert events(account) == []


def test_create_rejects_a_body_that_is_not_json(api):
    response = api.post("/api/products", "{not json", content_type="application/json")
    assert_error(response, 400, "MALFORMED_REQUEST")
    assert not Product.objects.exists()


def test_compare_at_price_equal_to_price_is_allowed(api):
    assert api.post("/api/products", {**VALID, "compareAtPrice": 25}, format="json").status_code == 201


@pytest.mark.parametrize("whose", ["unknown", "other"])
def test_create_with_a_category_not_in_the_account_is_404(api, account, other_account, make_category, whose):
    category_id = "cat_doesnotexist" if whose == "unknown" else make_category(account=other_account).id
    response = api.post("/api/products", {**VALID, "categoryId": category_id}, format="json")
    body = assert_error(response, 404, "CATEGORY_NOT_FOUND")
    assert category_id in body["details"]
    assert not Product.objects.exists()


def test_duplicate_sku_in_the_account_is_409_but_fine_in_another(api, other_api, account, make_product):
    make_product(sku="TEE-001")
    body = assert_error(api.post("/api/products", VALID, format="json"), 409, "DUPLICATE_SKU")
    assert "sku" in body["details"]
    assert Product.objects.filter(account=account).count() == 1
    assert other_api.post("/api/products", VALID, format="json").status_code == 201


def test_sku_is_trimmed_before_the_duplicate_check(api, make_product):
    make_product(sku="TEE-001")
    assert_error(api.post("/api/products", {**VALID, "sku": "  TEE-001 "}, format="json"), 409, "DUPLICATE_SKU")


# --- plan limit -------------------------------------------------------------------------------


def test_creating_beyond_the_plan_limit_is_403_with_limit_and_current(api, account, make_product):
    account.product_limit = 2
    account.save()
    make_product(status=ProductStatus.ACTIVE)
    make_product(status=ProductStatus.DRAFT)
    make_product(status=ProductStatus.ARCHIVED)  # archived products do not count
    body = assert_error(api.post("/api/products", VALID, format="json"), 403, "PLAN_LIMIT_REACHED")
    assert body["details"] == {"limit": 2, "current": 2}
    assert not Product.objects.filter(sku="TEE-001").exists()
    assert events(account) == []


def test_an_archived_product_can_be_created_at_the_limit(api, account, make_product):
    account.product_limit = 1
    account.save()
    make_product()
    response = api.post("/api/products", {**VALID, "status": "archived"}, format="json")
    assert response.status_code == 201


def test_without_a_plan_limit_the_settings_default_applies(api, account, make_product, settings):
    settings.DEFAULT_PRODUCT_LIMIT = 1
    assert account.product_limit is None
    make_product()
    body = assert_error(api.post("/api/products", VALID, format="json"), 403, "PLAN_LIMIT_REACHED")
    assert body["details"] == {"limit": 1, "current": 1}


def test_the_default_limit_is_100_when_settings_say_nothing(api, account, make_product, settings):
    del settings.DEFAULT_PRODUCT_LIMIT
    Product.objects.bulk_create(
        Product(account=account, sku=f"S-{i}", name="x", price=1, currency="USD") for i in range(100)
    )
    body = assert_error(api.post("/api/products", VALID, format="json"), 403, "PLAN_LIMIT_REACHED")
    assert body["details"] == {"limit": 100, "current": 100}


# --- scopes -----------------------------------------------------------------------------------


def test_writing_needs_write_products(account, make_client, make_product):
    product = make_product()
    reader = make_client(account, scopes=["read:products"])
    assert reader.get("/api/products").status_code == 200
    assert reader.get(f"/api/products/{product.id}").status_code == 200
    for response in (
        reader.post("/api/products", VALID, format="json"),
        reader.patch(f"/api/products/{product.id}", {"name": "x"}, format="json"),
        reader.put(f"/api/products/{product.id}", VALID, format="json"),
        reader.delete(f"/api/products/{product.id}"),
    ):
        body = assert_error(response, 403, "INSUFFICIENT_SCOPE")
        assert body["details"] == {"requiredScope": "write:products"}
    product.refresh_from_db()
    assert product.name != "x" and Product.objects.count() == 1


def test_reading_needs_read_products(account, make_client, make_product):
    product = make_product()
    outsider = make_client(account, scopes=["read:orders"])
    assert_error(outsider.get("/api/products"), 403, "INSUFFICIENT_SCOPE")
    assert_error(outsider.get(f"/api/products/{product.id}"), 403, "INSUFFICIENT_SCOPE")
    writer = make_client(account, scopes=["write:products"])
    assert writer.get(f"/api/products/{product.id}").status_code == 200


def test_anonymous_requests_are_401(anonymous_client):
    assert_error(anonymous_client.get("/api/products"), 401, "AUTHENTICATION_REQUIRED")


# --- read -------------------------------------------------------------------------------------


def test_retrieve(api, make_product):
    product = make_product(tags=["a"])
    body = api.get(f"/api/products/{product.id}").json()
    assert body["id"] == product.id and body["sku"] == product.sku and body["tags"] == ["a"]


@pytest.mark.parametrize("whose", ["unknown", "other"])
def test_retrieve_unknown_or_other_accounts_product_is_404(api, other_account, make_product, whose):
    product_id = "prod_missing" if whose == "unknown" else make_product(account=other_account).id
    body = assert_error(api.get(f"/api/products/{product_id}"), 404, "PRODUCT_NOT_FOUND")
    assert product_id in body["details"]


def test_trailing_slash_is_404(api):
    assert api.get("/api/products/").status_code == 404


# --- update -----------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields_and_emits_updated(api, account, make_product):
    product = make_product(price=Decimal("10.00"), tags=["keep"], description="Keep me")
    response = api.patch(f"/api/products/{product.id}", {"price": 12.5, "name": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["price"] == 12.5 and body["name"] == "Renamed"
    assert body["tags"] == ["keep"] and body["description"] == "Keep me"
    [event] = events(account, "product.updated")
    assert event.payload["data"]["changedFields"] == ["name", "price"]
    assert event.payload["data"]["price"] == 12.5


def test_patch_without_a_change_emits_nothing(api, account, make_product):
    product = make_product(name="Same")
    assert api.patch(f"/api/products/{product.id}", {"name": "Same"}, format="json").status_code == 200
    assert events(account) == []


def test_patch_price_above_the_stored_compare_at_price_is_422(api, make_product):
    product = make_product(price=Decimal("10.00"), compare_at_price=Decimal("15.00"))
    body = assert_error(api.patch(f"/api/products/{product.id}", {"price": 20}, format="json"), 422, "VALIDATION_ERROR")
    assert "compareAtPrice" in body["details"]
    product.refresh_from_db()
    assert product.price == Decimal("10.00")


@pytest.mark.parametrize(("change", "field"), [({"price": -5}, "price"), ({"name": "n" * 256}, "name")])
def test_patch_bad_input_is_422_and_changes_nothing(api, account, make_product, change, field):
    product = make_product(name="Before")
    body = assert_error(api.patch(f"/api/products/{product.id}", change, format="json"), 422, "VALIDATION_ERROR")
    assert field in body["details"]
    product.refresh_from_db()
    assert product.name == "Before" and product.price == Decimal("19.99")
    assert events(account) == []


def test_patch_to_another_accounts_category_is_404(api, other_account, make_product, make_category):
    product = make_product()
    foreign = make_category(account=other_account)
    response = api.patch(f"/api/products/{product.id}", {"categoryId": foreign.id}, format="json")
    assert_error(response, 404, "CATEGORY_NOT_FOUND")
    product.refresh_from_db()
    assert product.category_id is None


def test_patch_sku_to_one_already_used_is_409(api, make_product):
    make_product(sku="TAKEN")
    product = make_product(sku="MINE")
    assert_error(api.patch(f"/api/products/{product.id}", {"sku": "TAKEN"}, format="json"), 409, "DUPLICATE_SKU")
    product.refresh_from_db()
    assert product.sku == "MINE"


def test_patch_another_accounts_product_is_404(api, other_account, make_product):
    product = make_product(account=other_account, name="Theirs")
    assert_error(api.patch(f"/api/products/{product.id}", {"name": "x"}, format="json"), 404, "PRODUCT_NOT_FOUND")
    product.refresh_from_db()
    assert product.name == "Theirs"


def test_put_replaces_every_writable_field(api, make_product, make_category):
    product = make_product(tags=["old"], description="Old", barcode="123", category=make_category())
    response = api.put(f"/api/products/{product.id}", {"sku": "NEW-1", "name": "New", "price": 5}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sku"] == "NEW-1" and body["price"] == 5.0
    assert body["tags"] == [] and body["description"] == "" and body["barcode"] == ""
    assert body["categoryId"] is None and body["status"] == "draft"


def test_put_without_required_fields_is_422(api, make_product):
    product = make_product()
    body = assert_error(api.put(f"/api/products/{product.id}", {"name": "x"}, format="json"), 422, "VALIDATION_ERROR")
    assert set(body["details"]) == {"sku", "price"}


def test_archiving_by_patch_emits_updated_and_archived(api, account, make_product):
    product = make_product()
    api.patch(f"/api/products/{product.id}", {"status": "archived"}, format="json")
    assert [e.event_type for e in events(account)] == ["product.updated", "product.archived"]


def test_unarchiving_needs_room_under_the_plan_limit(api, account, make_product):
    account.product_limit = 1
    account.save()
    make_product(status=ProductStatus.ACTIVE)
    archived = make_product(status=ProductStatus.ARCHIVED)
    response = api.patch(f"/api/products/{archived.id}", {"status": "active"}, format="json")
    assert_error(response, 403, "PLAN_LIMIT_REACHED")
    archived.refresh_from_db()
    assert archived.status == ProductStatus.ARCHIVED
    # Other changes to an archived product are fine at the limit.
    assert api.patch(f"/api/products/{archived.id}", {"name": "Renamed"}, format="json").status_code == 200


# --- delete -----------------------------------------------------------------------------------


def test_delete_a_never_ordered_product_deletes_it(api, account, make_product):
    product = make_product()
    response = api.delete(f"/api/products/{product.id}")
    assert response.status_code == 200
    assert response.json() == {"id": product.id, "result": "deleted"}
    assert not Product.objects.filter(pk=product.id).exists()
    [event] = events(account)
    assert event.event_type == "product.deleted"
    assert event.payload["data"] == {"id": product.id, "sku": product.sku}


def test_delete_an_ordered_product_archives_it(api, account, make_product):
    product = make_product()
    assert product_mark_ordered(account=account, product_ids=[product.id, product.id]) == 1
    response = api.delete(f"/api/products/{product.id}")
    assert response.json() == {"id": product.id, "result": "archived"}
    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED and product.order_count == 1
    assert [e.event_type for e in events(account)] == ["product.archived"]
    # Deleting again is the same answer, with no second event.
    assert api.delete(f"/api/products/{product.id}").json()["result"] == "archived"
    assert len(events(account)) == 1


@pytest.mark.parametrize("whose", ["unknown", "other"])
def test_delete_unknown_or_other_accounts_product_is_404(api, other_account, make_product, whose):
    product = make_product(account=other_account)
    product_id = "prod_missing" if whose == "unknown" else product.id
    assert_error(api.delete(f"/api/products/{product_id}"), 404, "PRODUCT_NOT_FOUND")
    assert Product.objects.filter(pk=product.id).exists()


def test_mark_ordered_touches_only_the_given_accounts_products(account, other_account, make_product):
    mine, theirs = make_product(), make_product(account=other_account)
    assert product_mark_ordered(account=account, product_ids=[mine.id, theirs.id]) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.order_count, theirs.order_count) == (1, 0)
    assert mine.has_orders and not theirs.has_orders


def test_mark_ordered_with_active_only_skips_products_that_are_not_active(account, make_product):
    active, archived = make_product(status=ProductStatus.ACTIVE), make_product(status=ProductStatus.ARCHIVED)
    assert product_mark_ordered(account=account, product_ids=[active.id, archived.id], active_only=True) == 1
    assert product_mark_ordered(account=account, product_ids=[active.id, archived.id]) == 2
    active.refresh_from_db()
    archived.refresh_from_db()
    assert (active.order_count, archived.order_count) == (2, 1)
