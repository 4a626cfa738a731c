"""Options and variants: the product's options, /api/products/{id}/variants, the rules between them."""

import io
from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Product, ProductVariant, VariantStatus, default_variant_id
from omnisales.testing.assertions import assert_error
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

SIZES = {"name": "Size", "values": ["S", "M", "L"]}
COLOURS = {"name": "Colour", "values": ["Black", "White"]}
TEE = {"sku": "TEE", "name": "Tee", "price": 25, "status": "active", "options": [SIZES, COLOURS]}


def variants_of(product_id) -> list[ProductVariant]:
    return list(ProductVariant.objects.filter(product_id=product_id).order_by("position", "id"))


@pytest.fixture
def tee(api):
    response = api.post("/api/products", TEE, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add(api, product_id, values, sku, **fields):
    body = {"sku": sku, "optionValues": values, "price": 25, **fields}
    return api.post(f"/api/products/{product_id}/variants", body, format="json")


def test_a_product_with_options_is_created_with_its_first_combination(tee):
    assert tee["options"] == [SIZES, COLOURS]
    [first] = tee["variants"]
    assert first["id"] == default_variant_id(tee["id"])
    assert (first["sku"], first["title"], first["optionValues"], first["price"]) == (
        "TEE",
        "S / Black",
        ["S", "Black"],
        25.0,
    )
    assert first["status"] == "active" and first["productId"] == tee["id"]


def test_variants_are_created_listed_and_embedded_in_product_reads(api, account, tee):
    response = add(api, tee["id"], ["M", "White"], "TEE-M-W", compareAtPrice=30, weight=0.25, barcode="0012345678905")
    assert response.status_code == 201, response.content
    variant = response.json()
    assert variant["id"].startswith("var_") and variant["title"] == "M / White"
    assert (variant["compareAtPrice"], variant["weight"], variant["position"]) == (30.0, 0.25, 1)
    listed = api.get(f"/api/products/{tee['id']}/variants").json()
    assert [row["sku"] for row in listed] == ["TEE", "TEE-M-W"]
    assert api.get(f"/api/products/{tee['id']}/variants/{variant['id']}").json() == variant
    product = api.get(f"/api/products/{tee['id']}").json()
    assert [row["id"] for row in product["variants"]] == [row["id"] for row in listed]
    assert next(row for row in api.get("/api/products").json() if row["id"] == tee["id"])["variants"] == listed
    event = WebhookEvent.objects.filter(account=account, event_type="product.updated").latest("created_at")
    assert event.payload["data"]["changedFields"] == ["variants"]


def test_a_product_without_options_has_one_invisible_variant_kept_equal_to_it(api, account):
    created = api.post("/api/products", {"sku": "MUG", "name": "Mug", "price": 9}, format="json").json()
    assert created["options"] == [] and created["variants"] == []
    assert api.get(f"/api/products/{created['id']}/variants").json() == []
    [variant] = variants_of(created["id"])
    assert variant.is_default and variant.title == "Default Title" and variant.sku == "MUG"
    api.patch(f"/api/products/{created['id']}", {"sku": "MUG-2", "price": 11, "weight": 0.4}, format="json")
    variant.refresh_from_db()
    assert (variant.sku, variant.price, variant.weight) == ("MUG-2", Decimal("11.00"), Decimal("0.400"))
    response = add(api, created["id"], ["M"], "MUG-M")
    assert_error(response, 422, "PRODUCT_HAS_NO_OPTIONS")
    assert api.get(f"/api/products/{created['id']}/variants/{variant.pk}").status_code == 404


@pytest.mark.parametrize(
    ("values", "field"),
    [(["M"], "optionValues"), (["XL", "Black"], "optionValues"), (["M", "Black", "X"], "optionValues")],
)
def test_option_values_must_name_one_value_of_each_option(api, tee, values, field):
    response = add(api, tee["id"], values, "TEE-BAD")
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json()["details"]
    assert len(variants_of(tee["id"])) == 1


def test_a_combination_is_sold_once(api, tee):
    assert_error(add(api, tee["id"], ["S", "Black"], "TEE-AGAIN"), 409, "DUPLICATE_VARIANT")
    assert len(variants_of(tee["id"])) == 1


def test_skus_are_unique_across_products_and_variants(api, account, tee, make_product):
    other = make_product(sku="OTHER")
    assert_error(add(api, tee["id"], ["M", "Black"], "OTHER"), 409, "DUPLICATE_SKU")
    assert add(api, tee["id"], ["M", "Black"], "TEE-M-B").status_code == 201
    assert_error(add(api, tee["id"], ["L", "Black"], "TEE-M-B"), 409, "DUPLICATE_SKU")
    assert_error(
        api.post("/api/products", {"sku": "TEE-M-B", "name": "x", "price": 1}, format="json"), 409, "DUPLICATE_SKU"
    )
    assert_error(api.patch(f"/api/products/{other.pk}", {"sku": "TEE-M-B"}, format="json"), 409, "DUPLICATE_SKU")
    csv = b"sku,name,price\nTEE-M-B,Clash,3\n"
    report = services.product_import(account=account, file=io.BytesIO(csv))
    assert report.created == 0 and report.errors[0]["errors"] == {
        "sku": ["'TEE-M-B' is the SKU of a variant of another product."]
    }
    assert Product.objects.filter(account=account).count() == 2


def test_the_variant_cap_is_a_setting(api, tee, settings):
    settings.PRODUCT_VARIANT_LIMIT = 2
    assert add(api, tee["id"], ["M", "Black"], "TEE-2").status_code == 201
    response = add(api, tee["id"], ["L", "Black"], "TEE-3")
    assert_error(response, 422, "VARIANT_LIMIT_REACHED")
    assert response.json()["details"] == {"limit": 2, "current": 2}
    assert add(api, tee["id"], ["L", "Black"], "TEE-3", status="archived").status_code == 201  # archived: not counted


def test_variants_are_updated_and_replaced(api, tee):
    variant = add(api, tee["id"], ["M", "Black"], "TEE-M").json()
    url = f"/api/products/{tee['id']}/variants/{variant['id']}"
    patched = api.patch(url, {"price": 22, "optionValues": ["L", "White"]}, format="json").json()
    assert (patched["price"], patched["title"], patched["sku"]) == (22.0, "L / White", "TEE-M")
    replaced = api.put(url, {"sku": "TEE-L", "optionValues": ["L", "White"], "price": 21}, format="json").json()
    assert (replaced["sku"], replaced["compareAtPrice"], replaced["position"]) == ("TEE-L", None, patched["position"])
    assert_error(api.patch(url, {"optionValues": ["S", "Black"]}, format="json"), 409, "DUPLICATE_VARIANT")
    assert_error(api.patch(url, {"compareAtPrice": 1}, format="json"), 422, "VALIDATION_ERROR")
    assert_error(api.patch(url, {"title": "x"}, format="json"), 422, "VALIDATION_ERROR")


def test_adding_option_values_creates_no_variant_and_a_new_option_gives_its_first_value(api, tee):
    add(api, tee["id"], ["M", "White"], "TEE-M-W")
    options = [{"name": "Size", "values": ["XS", "S", "M", "L"]}, COLOURS, {"name": "Fit", "values": ["Slim", "Loose"]}]
    response = api.patch(f"/api/products/{tee['id']}", {"options": options}, format="json")
    assert response.status_code == 200, response.content
    assert [variant["title"] for variant in response.json()["variants"]] == ["S / Black / Slim", "M / White / Slim"]
    assert len(variants_of(tee["id"])) == 2
    renamed = [{"name": "Taille", "values": ["XS", "S", "M", "L"]}, COLOURS]
    body = api.patch(f"/api/products/{tee['id']}", {"options": renamed}, format="json").json()
    assert [variant["optionValues"] for variant in body["variants"]] == [["S", "Black"], ["M", "White"]]


def test_a_value_in_use_cannot_be_removed_and_nothing_changes(api, tee):
    add(api, tee["id"], ["S", "White"], "TEE-S-W")
    url = f"/api/products/{tee['id']}"
    response = api.patch(url, {"options": [SIZES, {"name": "Colour", "values": ["Black"]}]}, format="json")
    assert_error(response, 422, "OPTION_VALUE_IN_USE")
    assert_error(api.patch(url, {"options": [SIZES]}, format="json"), 409, "DUPLICATE_VARIANT")  # S twice
    assert_error(api.patch(url, {"options": []}, format="json"), 422, "OPTION_VALUE_IN_USE")
    assert Product.objects.get(pk=tee["id"]).options == [SIZES, COLOURS]
    assert [variant.title for variant in variants_of(tee["id"])] == ["S / Black", "S / White"]


def test_removing_every_option_makes_the_last_variant_the_product_again(api, tee):
    response = api.patch(f"/api/products/{tee['id']}", {"options": []}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["variants"] == [] and response.json()["options"] == []
    [variant] = variants_of(tee["id"])
    assert variant.is_default and variant.title == "Default Title" and variant.sku == "TEE"


@pytest.mark.parametrize(
    "options",
    [
        [{"name": "Size", "values": []}],
        [{"name": "Size", "values": ["S", "s"]}],
        [{"name": "Size", "values": ["S"]}, {"name": "size", "values": ["M"]}],
        [{"name": n, "values": ["x"]} for n in "ABCD"],
        [{"name": "Size", "values": ["S"], "extra": 1}],
        [{"name": "", "values": ["S"]}],
    ],
)
def test_bad_options_are_refused(api, options):
    response = api.post("/api/products", {"sku": "BAD", "name": "Bad", "price": 1, "options": options}, format="json")
    assert_error(response, 422, "VALIDATION_ERROR")
    assert not Product.objects.filter(sku="BAD").exists()


def test_deleting_variants(api, tee):
    second = add(api, tee["id"], ["M", "Black"], "TEE-M").json()
    first_url = f"/api/products/{tee['id']}/variants/{tee['variants'][0]['id']}"
    second_url = f"/api/products/{tee['id']}/variants/{second['id']}"
    assert api.delete(second_url).json() == {"id": second["id"], "result": "deleted"}
    assert_error(api.delete(first_url), 409, "LAST_VARIANT")
    third = add(api, tee["id"], ["L", "Black"], "TEE-L").json()
    assert api.delete(first_url).json()["result"] == "archived"  # stock and order lines refer to the first variant
    assert ProductVariant.objects.get(pk=tee["variants"][0]["id"]).status == VariantStatus.ARCHIVED
    assert_error(api.delete(f"/api/products/{tee['id']}/variants/{third['id']}"), 409, "LAST_VARIANT")


def test_another_products_variant_is_not_found(api, tee):
    other = api.post("/api/products", {**TEE, "sku": "TEE2"}, format="json").json()
    variant_id = other["variants"][0]["id"]
    assert_error(api.get(f"/api/products/{tee['id']}/variants/{variant_id}"), 404, "PRODUCT_VARIANT_NOT_FOUND")
    assert_error(api.get("/api/products/prod_nope/variants"), 404, "PRODUCT_NOT_FOUND")
