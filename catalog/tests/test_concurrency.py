"""Real concurrent requests on PostgreSQL: the variant cap and SKU uniqueness across products and variants
hold when two writes race (each variant write locks its product row; the variant table's unique SKU
catches a product and a variant taking one SKU at once)."""

import pytest

from catalog.models import Product, ProductVariant
from omnisales.testing.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _product_with_options(client, sku="TEE"):
    body = {"sku": sku, "name": "Tee", "price": 10, "options": [{"name": "Size", "values": ["S", "M", "L"]}]}
    response = client.post("/api/products", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.parametrize("attempt", range(3))
def test_two_variant_creates_at_the_cap_one_is_refused(make_client, account, settings, attempt):
    settings.PRODUCT_VARIANT_LIMIT = 2
    clients = [make_client(account), make_client(account)]
    product_id = _product_with_options(clients[0])
    url = f"/api/products/{product_id}/variants"

    first, second = run_together(
        lambda: clients[0].post(url, {"sku": "TEE-M", "optionValues": ["M"], "price": 10}, format="json"),
        lambda: clients[1].post(url, {"sku": "TEE-L", "optionValues": ["L"], "price": 10}, format="json"),
    )

    assert sorted([first.status_code, second.status_code]) == [201, 422], (first.content, second.content)
    loser = first if first.status_code == 422 else second
    assert loser.json()["code"] == "VARIANT_LIMIT_REACHED"
    assert loser.json()["details"] == {"limit": 2, "current": 2}
    assert ProductVariant.objects.filter(product_id=product_id).count() == 2


@pytest.mark.parametrize("attempt", range(3))
def test_one_sku_as_a_product_and_as_a_variant_at_once_one_is_a_conflict(make_client, account, attempt):
    clients = [make_client(account), make_client(account)]
    product_id = _product_with_options(clients[0])

    as_product, as_variant = run_together(
        lambda: clients[0].post("/api/products", {"sku": "SAME", "name": "Cap", "price": 5}, format="json"),
        lambda: clients[1].post(
            f"/api/products/{product_id}/variants",
            {"sku": "SAME", "optionValues": ["M"], "price": 10},
            format="json",
        ),
    )

    assert sorted([as_product.status_code, as_variant.status_code]) == [201, 409], (
        as_product.content,
        as_variant.content,
    )
    loser = as_product if as_product.status_code == 409 else as_variant
    assert loser.json()["code"] == "DUPLICATE_SKU"
    holders = (
        Product.objects.filter(sku="SAME").count()
        + ProductVariant.objects.filter(sku="SAME").exclude(product__sku="SAME").count()
    )
    assert holders == 1
